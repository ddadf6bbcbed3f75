"""What a hostile database superuser cannot hide: every edit is made through raw SQL with the triggers off,
against a log whose checkpoints an outside party saved (a witness file), and `audit verify` must fail naming
the entry or the checkpoint that changed."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import connection

from oversight import services
from oversight.audit.checkpoints import key_id_of, public_key_of
from oversight.audit.log import event_leaf_hash
from oversight.models import AuditEvent, Checkpoint


def run_verify(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def as_superuser(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def rehash(seq: int) -> None:
    """Recompute an entry's stored hash from its (edited) content, as a careful insider would."""
    event = AuditEvent.objects.get(seq=seq)
    as_superuser("UPDATE oversight_auditevent SET leaf_hash = %s WHERE seq = %s", [event_leaf_hash(event), seq])


@pytest.fixture
def witness(personas, tmp_path):
    """A log with a checkpoint an outsider saved, then more events and a newer checkpoint."""
    call_command("audit", "checkpoint", stdout=StringIO())
    path = tmp_path / "witness.json"
    call_command("audit", "witness", "--output", str(path), stdout=StringIO())
    services.force_create(actor=personas.oversight_admin, code="east-anglia", name="East Anglia Police")
    services.force_create(actor=personas.oversight_admin, code="kent", name="Kent Police")
    call_command("audit", "checkpoint", stdout=StringIO())
    return str(path)


def test_an_intact_log_verifies_against_its_witness(witness):
    code, out, err = run_verify("--witness", witness)
    assert code == 0, err
    assert "consistent with 1 witness file(s)" in out
    assert "newer entries are covered by no witness" in out


def test_without_a_witness_it_says_how_much_is_unwitnessed(witness):
    code, out, _ = run_verify()
    assert code == 0
    assert f"all {AuditEvent.objects.count()} entries are checked only against checkpoints" in out


def test_an_altered_entry_is_named(witness):
    as_superuser("UPDATE oversight_auditevent SET reason = 'nothing to see' WHERE seq = 40")
    code, _, err = run_verify("--witness", witness)
    assert code == 1
    assert "FAILS VERIFICATION: entry 40:" in err


def test_an_altered_entry_with_a_recomputed_hash_is_named_exactly(witness):
    as_superuser("UPDATE oversight_auditevent SET reason = 'nothing to see' WHERE seq = 40")
    rehash(40)
    code, _, err = run_verify("--witness", witness)
    assert code == 1
    assert "FAILS VERIFICATION: entry 40: altered after" in err


def test_without_a_witness_a_rehashed_edit_is_still_narrowed_by_the_signed_checkpoint(witness):
    # The last entry the first checkpoint covers lies in the smallest perfect subtree of that checkpoint's
    # frontier: the verifier names exactly that run of entries (the size's lowest set bit), not "entry 0 on".
    size = Checkpoint.objects.order_by("tree_size").first().tree_size
    seq, run = size - 1, size & -size
    as_superuser("UPDATE oversight_auditevent SET reason = 'nothing to see' WHERE seq = %s", [seq])
    rehash(seq)
    code, _, err = run_verify()
    assert code == 1
    first = err.splitlines()[0]
    assert "no longer matches the checkpoint" in first, first
    named = f"entry {seq} was" if run == 1 else f"an entry from {size - run} to {size - 1} was"
    assert named in first and run < size, (first, size)


def test_a_deleted_and_renumbered_entry_is_named(witness):
    last = AuditEvent.objects.order_by("-seq").first().seq
    as_superuser("DELETE FROM oversight_auditevent WHERE seq = 40")
    # Two steps, so that no row meets another's number on the way, in whatever order the rows are updated.
    as_superuser("UPDATE oversight_auditevent SET seq = -seq WHERE seq > 40")
    as_superuser("UPDATE oversight_auditevent SET seq = -seq - 1 WHERE seq < 0")
    for seq in range(40, last):
        rehash(seq)
    code, _, err = run_verify("--witness", witness)
    assert code == 1
    assert "FAILS VERIFICATION: entry 40: missing: the entry now numbered 40" in err
    assert "is the witnessed entry 41" in err


def test_two_swapped_entries_are_named(witness):
    as_superuser("UPDATE oversight_auditevent SET seq = -1 WHERE seq = 20")
    as_superuser("UPDATE oversight_auditevent SET seq = 20 WHERE seq = 21")
    as_superuser("UPDATE oversight_auditevent SET seq = 21 WHERE seq = -1")
    rehash(20)
    rehash(21)
    code, _, err = run_verify("--witness", witness)
    assert code == 1
    assert "FAILS VERIFICATION: entry 20: missing: the entry now numbered 20" in err
    assert "entry 21: moved" in err


def test_checkpoints_resigned_with_another_key_fail_with_and_without_a_witness(witness):
    as_superuser("UPDATE oversight_auditevent SET reason = 'nothing to see' WHERE seq = 40")
    rehash(40)
    forged = Ed25519PrivateKey.generate()
    public = public_key_of(forged)
    for cp in Checkpoint.objects.all():
        from oversight.audit.merkle import RootAccumulator
        from oversight.audit.offline import checkpoint_note

        hashes = [event_leaf_hash(e) for e in AuditEvent.objects.order_by("seq")[:cp.tree_size]]
        acc = RootAccumulator()
        for h in hashes:
            acc.append(h)
        note = checkpoint_note(cp.note.split("\n")[0], cp.tree_size, acc.root(), cp.note.split("\n")[3])
        as_superuser("UPDATE oversight_checkpoint SET root_hash = %s, note = %s, signature = %s, key_id = %s, "
                     "public_key = %s, frontier = %s WHERE id = %s",
                     [acc.root(), note, forged.sign(note.encode()), key_id_of(public), public, acc.frontier(), cp.pk])
    for args in ((), ("--witness", witness)):
        code, _, err = run_verify(*args)
        assert code == 1
        assert f"signed by key {key_id_of(public)}, which is not a trusted key of this log" in err
    _, _, err = run_verify("--witness", witness)
    assert "entry 40:" in err


def test_deleting_every_checkpoint_fails_against_the_witness(witness):
    as_superuser("DELETE FROM oversight_checkpoint")
    code, _, err = run_verify("--witness", witness)
    assert code == 1
    assert "is missing from the database" in err


def test_a_dropped_tail_fails_naming_where_the_log_now_ends(witness):
    saved = json.load(open(witness))["leaf_hashes"]["tree_size"]
    as_superuser("DELETE FROM oversight_auditevent WHERE seq >= %s", [saved - 3])
    as_superuser("DELETE FROM oversight_checkpoint WHERE tree_size > %s", [saved])
    code, _, err = run_verify("--witness", witness)
    assert code == 1
    assert f"entry {saved - 3}: missing" in err
    assert "that " + witness in err or "holds covers entries up to" in err


def test_a_dropped_tail_beyond_the_witness_fails_against_a_newer_checkpoint(witness):
    saved = json.load(open(witness))["leaf_hashes"]["tree_size"]
    as_superuser("DELETE FROM oversight_auditevent WHERE seq >= %s", [saved])
    code, _, err = run_verify("--witness", witness)
    assert code == 1
    assert f"entry {saved}: missing" in err


def test_a_witness_checkpoint_signed_by_a_stranger_is_refused(witness, tmp_path):
    doc = json.load(open(witness))
    forged = Ed25519PrivateKey.generate()
    cp = doc["checkpoints"][-1]
    cp["signature"] = forged.sign(cp["note"].encode()).hex()
    path = tmp_path / "forged-witness.json"
    path.write_text(json.dumps(doc))
    code, _, err = run_verify("--witness", str(path))
    assert code == 1
    assert "not valid for the trusted key" in err
