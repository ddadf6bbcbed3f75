"""The legal-basis register: seeded from domain.md, versioned, editable by the oversight admin only."""
from __future__ import annotations

from oversight.models import AuditEvent, LegalBasis

DOMAIN_CODES = {
    "CL-PREVENT-DETECT", "DPA18-S31-LE", "DPA18-S35-5-STRICT", "DPA18-SCH8-P1", "DPA18-SCH8-P2", "DPA18-SCH8-P3",
    "DPA18-SCH8-P4", "DPA18-S42-APD", "DPA18-S64-DPIA", "HRA-A8-2-CRIME", "HRA-A8-2-SAFETY", "HRA-A8-2-RIGHTS",
    "EQA10-S149-PSED", "POFA12-S33-SCCODE", "PACE-S64A-CUSTODY", "MOPI-RRD", "COURT-WARRANT", "COURT-ORDER-COND",
    "RIPA-COVERT",
}


def test_the_register_is_seeded_with_every_code_of_the_domain_brief(db):
    assert set(LegalBasis.objects.values_list("code", flat=True)) == DOMAIN_CODES
    covert = LegalBasis.objects.get(code="RIPA-COVERT").versions.get()
    assert covert.kind == "refused"
    assert AuditEvent.objects.filter(action="legal_basis.version_add").count() == len(DOMAIN_CODES)


def test_a_rewording_is_a_new_version_and_the_old_one_stays(personas):
    api = personas.api(personas.oversight_admin)
    response = api.post("/api/legal-bases/", {
        "code": "DPA18-SCH8-P3", "title": "Vital interests", "kind": "condition",
        "meaning": "Necessary to protect the life of someone, such as a missing person at high risk.",
        "reason": "plainer wording"}, format="json")
    assert response.status_code == 201 and response.json()["version"] == 2
    published = personas.api(None).get("/api/legal-bases/DPA18-SCH8-P3/").json()
    assert [v["version"] for v in published["versions"]] == [2, 1]
    assert AuditEvent.objects.filter(action="legal_basis.version_add", reason="plainer wording").exists()


def test_a_malformed_code_is_refused_naming_the_field(personas):
    api = personas.api(personas.oversight_admin)
    response = api.post("/api/legal-bases/", {"code": "of interest", "title": "t", "meaning": "m", "kind": "power",
                                              "reason": "r"}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    response = api.post("/api/legal-bases/", {"code": "NEW-ONE", "title": "t", "meaning": "m", "kind": "magic",
                                              "reason": "r"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()


def test_force_staff_cannot_edit_the_register(personas):
    response = personas.api(personas.approver_a).post(
        "/api/legal-bases/", {"code": "NEW-ONE", "title": "t", "meaning": "m", "kind": "power", "reason": "r"},
        format="json")
    assert response.status_code == 403
    assert not LegalBasis.objects.filter(code="NEW-ONE").exists()
