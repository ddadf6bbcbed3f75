"""The audit log: written by services, refused changes by the database, verified, proven offline."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from oversight import services
from oversight.audit.merkle import hex_proof, proof_from_hex
from oversight.audit.checkpoints import public_key_hex
from oversight.audit.offline import verify_consistency_document, verify_inclusion_document
from oversight.models import AuditEvent, Checkpoint, Role


def run_verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def tamper(sql: str, params=()) -> None:
    """What a database superuser could do: switch the append-only triggers off, then edit rows."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def test_every_service_writes_a_typed_event_with_actor_and_values(personas):
    event = AuditEvent.objects.filter(action="user.create", object_id=str(personas.operator_a.pk)).get()
    assert event.actor == personas.oversight_admin
    assert event.force == personas.force_a
    assert event.new["role"] == Role.FORCE_OPERATOR
    assert "olivia.admin" in event.actor_label

    services.user_role_change(actor=personas.oversight_admin, user=personas.operator_a, role=Role.FORCE_APPROVER,
                              force=personas.force_a, rank=40, reason="promoted to Chief Inspector")
    change = AuditEvent.objects.filter(action="user.role_change").get()
    assert change.old["role"] == Role.FORCE_OPERATOR and change.new["role"] == Role.FORCE_APPROVER
    assert change.reason == "promoted to Chief Inspector"


def test_sequence_numbers_are_contiguous(personas):
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(len(seqs)))


def test_a_failed_service_leaves_no_event(personas):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):
        services.force_create(actor=personas.oversight_admin, code="south-mercia", name="Duplicate")
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("sql", [
    "UPDATE oversight_auditevent SET reason = 'nothing happened' WHERE seq = 1",
    "DELETE FROM oversight_auditevent WHERE seq = 1",
    "TRUNCATE oversight_auditevent CASCADE",
])
def test_the_database_refuses_to_change_the_log(personas, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.filter(seq=1).exists()


def test_checkpoints_cannot_be_changed(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE oversight_checkpoint SET tree_size = 1")


def test_verify_passes_on_an_intact_log_and_names_the_checkpoint(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    services.force_create(actor=personas.oversight_admin, code="east-anglia", name="East Anglia Police")
    call_command("audit", "checkpoint", stdout=StringIO())
    code, out, _ = run_verify()
    latest = Checkpoint.objects.order_by("-tree_size").first()
    assert code == 0
    assert "audit log intact" in out
    assert f"verified checkpoint: size {latest.tree_size}, root {bytes(latest.root_hash).hex()}" in out


def test_verify_names_an_altered_entry(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    tamper("UPDATE oversight_auditevent SET reason = 'routine' WHERE seq = 7")
    code, _, err = run_verify()
    assert code == 1
    assert "entry 7:" in err


def test_verify_names_an_altered_entry_even_when_its_stored_hash_was_rewritten(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    event = AuditEvent.objects.get(seq=40)
    event.reason = "rewritten"
    from oversight.audit.log import event_leaf_hash

    tamper("UPDATE oversight_auditevent SET reason = %s, leaf_hash = %s WHERE seq = 40",
           ["rewritten", event_leaf_hash(event)])
    code, _, err = run_verify()
    assert code == 1
    assert "no longer matches the checkpoint" in err


def test_verify_names_a_deleted_entry(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    tamper("DELETE FROM oversight_auditevent WHERE seq = 12")
    code, _, err = run_verify()
    assert code == 1
    assert "entry 12: missing" in err


def test_verify_names_a_deleted_last_entry(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    last = AuditEvent.objects.order_by("-seq").first().seq
    tamper("DELETE FROM oversight_auditevent WHERE seq = %s", [last])
    code, _, err = run_verify()
    assert code == 1
    assert f"entry {last}: missing" in err


def test_verify_names_reordered_entries(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    tamper("UPDATE oversight_auditevent SET seq = -1 WHERE seq = 20")
    tamper("UPDATE oversight_auditevent SET seq = 20 WHERE seq = 21")
    tamper("UPDATE oversight_auditevent SET seq = 21 WHERE seq = -1")
    code, _, err = run_verify()
    assert code == 1
    assert "entry 20:" in err


def test_inclusion_proof_is_accepted_offline_and_rejected_when_a_hash_flips(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    out = StringIO()
    call_command("audit", "prove", "--event", "9", stdout=out)
    doc = json.loads(out.getvalue())
    assert doc["leaf_index"] == 9 and doc["proof"]
    assert verify_inclusion_document(doc, public_key_hex()) == (True, verify_inclusion_document(doc, public_key_hex())[1])

    for i in range(len(doc["proof"])):
        flipped = json.loads(json.dumps(doc))
        path = proof_from_hex(flipped["proof"])
        path[i] = bytes([path[i][0] ^ 1]) + path[i][1:]
        flipped["proof"] = hex_proof(path)
        assert verify_inclusion_document(flipped, public_key_hex())[0] is False

    altered = json.loads(json.dumps(doc))
    altered["event"]["reason"] = "something else"
    assert verify_inclusion_document(altered, public_key_hex()) == (False, "the event's content does not hash to the stated leaf hash")

    forged = json.loads(json.dumps(doc))
    forged["checkpoint"]["root_hash"] = "00" * 32
    assert verify_inclusion_document(forged, public_key_hex())[0] is False


def test_consistency_proof_is_accepted_offline_and_rejected_when_a_hash_flips(personas):
    size = AuditEvent.objects.count()
    out = StringIO()
    call_command("audit", "prove", "--from", "5", "--to", str(size), stdout=out)
    doc = json.loads(out.getvalue())
    ok, why = verify_consistency_document(doc)
    assert ok, why
    for field in ("old_root", "new_root"):
        flipped = dict(doc, **{field: ("1" if doc[field][0] == "0" else "0") + doc[field][1:]})
        assert verify_consistency_document(flipped)[0] is False
    proof = proof_from_hex(doc["proof"])
    proof[0] = bytes([proof[0][0] ^ 0x80]) + proof[0][1:]
    assert verify_consistency_document(dict(doc, proof=hex_proof(proof)))[0] is False


def test_proofs_are_served_by_the_api(personas):
    call_command("audit", "checkpoint", stdout=StringIO())
    auditor = personas.api(personas.auditor)
    doc = auditor.get("/api/audit/events/3/proof/").json()
    assert verify_inclusion_document(doc, public_key_hex())[0] is True
    size = Checkpoint.objects.first().tree_size
    consistency = personas.api(None).get(f"/api/audit/consistency-proof/?from=2&to={size}").json()
    assert verify_consistency_document(consistency)[0] is True
    key = personas.api(None).get("/api/audit/public-key/").json()
    assert doc["checkpoint"]["public_key"] == key["public_key"]
    bad = personas.api(None).get("/api/audit/consistency-proof/?from=9&to=2")
    assert bad.status_code == 400 and "to" in bad.json()


def test_the_periodic_task_signs_only_when_the_log_grew(personas):
    from oversight.tasks import audit_checkpoint_make

    first = audit_checkpoint_make.delay().get()
    again = audit_checkpoint_make.delay().get()
    assert first == again
    services.force_create(actor=personas.oversight_admin, code="east-anglia", name="East Anglia Police")
    grown = audit_checkpoint_make.delay().get()
    assert grown["tree_size"] == first["tree_size"] + 1
