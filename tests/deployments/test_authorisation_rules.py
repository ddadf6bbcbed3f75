"""Rules 1-7 and 25: each broken once and met once, through the services, by its identifier."""
from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from deployments import rules, services
from deployments.models import DocumentKind, Status
from tests.deployments.factories import documents_in_force, lfr_deployment, text_file
from tests.deployments.helpers import REASONS, refused_by, status_of


# R01 ---------------------------------------------------------------------------------------------
def test_r01_it_refuses_to_submit_without_the_intelligence_case(personas, draft):
    services.deployment_update(actor=personas.operator_a, deployment=draft, changes={"intelligence_case": ""})
    with refused_by("R01-written-authorisation", "intelligence_case"):
        services.deployment_submit(actor=personas.operator_a, deployment=draft)


def test_r01_a_complete_written_application_meets_it(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert status_of(auth.rule_results, "R01-written-authorisation") == "met"


def test_r01_matching_needs_an_authorised_active_deployment(personas, submitted):
    result = rules.check_matching(submitted)
    assert "R01-written-authorisation" in {v.rule for v in result.blocking}


# R02 ---------------------------------------------------------------------------------------------
def test_r02_an_inspector_cannot_authorise(inspector_a, submitted):
    with refused_by("R02-authorising-rank", "approver"):
        services.deployment_authorise(actor=inspector_a, deployment=submitted, reasons=REASONS)


def test_r02_a_superintendent_can_authorise(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert status_of(auth.rule_results, "R02-authorising-rank") == "met"
    assert auth.approver_rank == personas.approver_a.rank


def test_r02_an_urgent_authorisation_not_reviewed_in_time_stops_matching(inspector_a, submitted):
    auth = services.deployment_urgent_authorise(actor=inspector_a, deployment=submitted, reasons=REASONS)
    late = auth.urgent_review_due_at + timedelta(minutes=1)
    submitted.refresh_from_db()
    assert "R02-urgent-review" in rules.check(rules.MATCHING, at=late, deployment=submitted).rule_ids()


def test_r02_an_urgent_authorisation_reviewed_in_time_keeps_running(personas, inspector_a, submitted):
    auth = services.deployment_urgent_authorise(actor=inspector_a, deployment=submitted, reasons=REASONS)
    services.deployment_urgent_review(actor=personas.approver_a, deployment=submitted, confirm=True, reasons=REASONS)
    later = auth.urgent_review_due_at + timedelta(minutes=1)
    submitted.refresh_from_db()
    assert "R02-urgent-review" not in rules.check(rules.MATCHING, at=later, deployment=submitted).rule_ids()


# R03 ---------------------------------------------------------------------------------------------
def test_r03_a_window_longer_than_the_policy_allows_is_refused(personas, draft):
    with refused_by("R03-authorised-window", "ends_at"):
        services.deployment_update(actor=personas.operator_a, deployment=draft,
                                   changes={"ends_at": draft.starts_at + timedelta(hours=25)})


def test_r03_a_window_within_the_policy_is_accepted(personas, draft):
    services.deployment_update(actor=personas.operator_a, deployment=draft,
                               changes={"ends_at": draft.starts_at + timedelta(hours=24)})


def test_r03_matching_runs_only_inside_the_place_and_window(personas):
    active = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                            stage="active", starts_in=timedelta(minutes=-5))
    inside = rules.check_matching(active, latitude=52.4779, longitude=-1.8991)
    assert inside.blocking == []
    outside = rules.check_matching(active, latitude=52.49, longitude=-1.8991)
    assert [v.field for v in outside.blocking] == ["place"]
    after = rules.check_matching(active, at=active.ends_at + timedelta(minutes=1))
    assert "R03-authorised-window" in after.rule_ids()


# R04 ---------------------------------------------------------------------------------------------
def test_r04_no_notice_plan_and_no_exemption_is_refused(personas, draft):
    services.deployment_update(actor=personas.operator_a, deployment=draft, changes={"public_notice_plan": ""})
    with refused_by("R04-public-notice", "public_notice_plan"):
        services.deployment_submit(actor=personas.operator_a, deployment=draft)


def test_r04_an_exemption_needs_its_reason(personas, draft):
    services.deployment_update(actor=personas.operator_a, deployment=draft,
                               changes={"public_notice_plan": "", "critical_threat_exemption": True})
    with refused_by("R04-public-notice", "critical_threat_reason"):
        services.deployment_submit(actor=personas.operator_a, deployment=draft)


def test_r04_a_recorded_critical_threat_exemption_meets_it(personas, draft):
    services.deployment_update(actor=personas.operator_a, deployment=draft, changes={
        "public_notice_plan": "", "critical_threat_exemption": True,
        "critical_threat_reason": "Credible intelligence of an imminent attack; notice would warn the attackers."})
    assert services.deployment_submit(actor=personas.operator_a, deployment=draft).status == Status.SUBMITTED


# R05 ---------------------------------------------------------------------------------------------
def test_r05_it_refuses_without_dpia_apd_equality_assessment_and_bias_test(personas):
    draft = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                           stage="draft", documents=False)
    with refused_by("R05-documents-in-force") as info:
        services.deployment_submit(actor=personas.operator_b, deployment=draft)
    text = " ".join(info.value.messages)
    for missing in ["data protection impact assessment", "appropriate policy document",
                    "equality impact assessment", "bias-test report"]:
        assert missing in text


def test_r05_a_bias_test_must_cover_the_threshold(personas, draft):
    services.deployment_update(actor=personas.operator_a, deployment=draft, changes={"threshold": 0.75})
    with refused_by("R05-documents-in-force", "threshold"):
        services.deployment_submit(actor=personas.operator_a, deployment=draft)


def test_r05_documents_in_force_meet_it(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert status_of(auth.rule_results, "R05-documents-in-force") == "met"
    assert {auth.dpia.kind, auth.apd.kind, auth.eqia.kind, auth.bias_test.kind} == {
        DocumentKind.DPIA, DocumentKind.APD, DocumentKind.EQIA, DocumentKind.BIAS_TEST}


# R06 ---------------------------------------------------------------------------------------------
def _create(personas, **changes):
    starts = timezone.now() + timedelta(hours=2)
    values = dict(actor=personas.operator_a, force=personas.force_a, title="Test", starts_at=starts,
                  ends_at=starts + timedelta(hours=4), algorithm_version="nec-neoface-v4", threshold=0.64)
    return services.deployment_create(**(values | changes))


def test_r06_a_threshold_below_the_floor_for_its_algorithm_is_refused(personas):
    with refused_by("R06-threshold-floor", "threshold"):
        _create(personas, threshold=0.63)


def test_r06_an_algorithm_without_a_floor_cannot_be_used(personas):
    services.algorithm_version_create(actor=personas.oversight_admin, code="acme-v1", vendor="Acme", name="Acme",
                                      version="1", calibration=[[0.5, 1e-6]])
    with refused_by("R06-threshold-floor", "threshold") as info:
        _create(personas, algorithm_version="acme-v1", threshold=0.99)
    assert "no threshold floor is set for acme-v1" in " ".join(info.value.messages)


def test_r06_never_below_the_level_where_the_bias_test_found_no_difference(personas, draft):
    documents_in_force(force=personas.force_a, approver=personas.approver_a)
    services.policy_document_add(
        actor=personas.approver_a, force=personas.force_a, kind=DocumentKind.BIAS_TEST, title="Retest", version="2",
        approved_on=timezone.localdate(), next_review_on=timezone.localdate() + timedelta(days=300),
        file=ContentFile(b"%PDF-1.4 retest", name="r.pdf"), algorithm_version="nec-neoface-v4",
        threshold_min=0.6, threshold_max=0.72, no_difference_from=0.66)
    with refused_by("R06-threshold-floor", "threshold") as info:
        services.deployment_submit(actor=personas.operator_a, deployment=draft)
    assert "0.66" in " ".join(info.value.messages)


def test_r06_a_threshold_at_the_floor_is_accepted(personas):
    assert _create(personas, threshold=0.64).threshold == 0.64


# R07 ---------------------------------------------------------------------------------------------
def test_r07_covert_use_is_refused(personas):
    with refused_by("R07-covert-refused", "covert"):
        _create(personas, covert=True)


def test_r07_a_covert_legal_basis_is_refused(personas):
    with refused_by("R07-covert-refused", "legal_bases"):
        _create(personas, legal_basis_codes=["CL-PREVENT-DETECT", "RIPA-COVERT"])


def test_r07_overt_use_on_a_lawful_basis_is_accepted(personas):
    deployment = _create(personas, legal_basis_codes=["CL-PREVENT-DETECT"])
    assert rules.check(rules.DRAFT, deployment=deployment).rule_ids() == []


# R25 ---------------------------------------------------------------------------------------------
def test_r25_an_overdue_document_review_blocks_new_authorisations(personas):
    today = timezone.localdate()
    services.policy_document_add(actor=personas.approver_b, force=personas.force_b, kind=DocumentKind.DPIA,
                                 title="DPIA", version="0.9", approved_on=today - timedelta(days=400),
                                 next_review_on=today - timedelta(days=35), file=text_file())
    draft = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                           stage="draft")
    with refused_by("R25-document-review-overdue", "documents"):
        services.deployment_submit(actor=personas.operator_b, deployment=draft)


def test_r25_documents_reviewed_in_time_meet_it(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert status_of(auth.rule_results, "R25-document-review-overdue") == "met"
