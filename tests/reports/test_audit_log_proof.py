"""The report ends with the checkpoint it was built from, verify_log() on it, and inclusion proofs that the
offline verifier accepts for every authorisation and audit record it cites."""
from __future__ import annotations

import copy

from django.db import connection

from oversight.audit.checkpoints import checkpoint_make, stored_leaf_hashes
from oversight.audit.merkle import inclusion_proof, root_from_leaf_hashes
from oversight.audit.checkpoints import public_key_hex
from oversight.audit.offline import verify_inclusion_document
from oversight.audit.proofs import inclusion_document
from oversight.models import AuditEvent
from oversight.reports.proof import MerkleTree
from oversight.reports.regulator import regulator_report
from oversight.reports.rendering import render_html


def _report(world):
    return regulator_report(forces=world.forces, start=world.start, end=world.end, checkpoint=checkpoint_make(),
                            as_of=world.as_of)


def test_the_report_ends_with_a_verified_checkpoint_and_proofs_the_offline_verifier_accepts(world):
    report = _report(world)
    proof = report.proof
    assert proof["all_ok"] and proof["checkpoint_ok"] and proof["root_matches"]
    assert proof["verify"]["ok"] and proof["verify"]["failures"] == []
    assert proof["verify"]["entries"] >= report.checkpoint.tree_size
    assert proof["checkpoint"]["tree_size"] == report.checkpoint.tree_size
    for cited in proof["proofs"]:
        document = copy.deepcopy(cited.document)
        assert verify_inclusion_document(document, public_key_hex())[0], cited.seq
        assert document["checkpoint"]["root_hash"] == bytes(report.checkpoint.root_hash).hex()
    html = render_html(report)
    assert html.rindex('id="proof"') > html.rindex('id="audits"')  # the proof is the report's last section
    assert "Verified." in html[html.rindex('id="proof"'):]


def test_it_proves_every_decision_on_its_deployments_and_every_record_of_its_audits(world):
    report = _report(world)
    proven = {p.seq for p in report.proof["proofs"]}
    for row in report.deployments:
        for auth in row["authorisations"]:
            decide = AuditEvent.objects.get(action="authorisation.decide", object_type="deployments.authorisation",
                                            object_id=str(auth["pk"]))
            assert decide.seq in proven
    audit_events = AuditEvent.objects.filter(action__startswith="force_audit.")
    assert audit_events.count() == 5  # open, sample, finding, recommendation, response
    assert set(audit_events.values_list("seq", flat=True)) <= proven


def test_its_proof_documents_are_those_the_platform_serves(world):
    report = _report(world)
    cited = report.proof["proofs"][0]
    assert cited.document == inclusion_document(cited.seq, tree_size=report.checkpoint.tree_size)


def test_the_subtree_cache_gives_the_rfc_9162_paths(personas):
    leaves = stored_leaf_hashes()
    tree = MerkleTree(leaves)
    assert tree.root() == root_from_leaf_hashes(leaves)
    for size in (1, 2, 3, 7, len(leaves)):
        for index in {0, size // 2, size - 1}:
            assert tree.inclusion_path(index, size) == inclusion_proof(index, leaves[:size])


def test_an_altered_event_makes_the_report_say_not_verified(world):
    checkpoint = checkpoint_make()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE oversight_auditevent SET reason = 'nothing to see' WHERE action = 'alert.adjudicate'")
        cursor.execute("SET session_replication_role = DEFAULT")
    report = regulator_report(forces=world.forces, start=world.start, end=world.end, checkpoint=checkpoint,
                              as_of=world.as_of)
    assert not report.proof["all_ok"] and not report.proof["verify"]["ok"]
    assert "Not verified." in render_html(report)


def _offline(path, *args) -> tuple[int, str]:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "oversight.audit.offline", str(path), *args],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def test_the_bundle_passes_the_offline_verifier_as_it_stands_and_covers_every_alert_event(world, tmp_path):
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from oversight.reports.proof import proof_bundle

    report = _report(world)
    bundle = proof_bundle(report.proof, title="test", period=(world.start, world.end))
    path = tmp_path / "proofs.json"
    path.write_text(json.dumps(bundle, cls=DjangoJSONEncoder))
    code, out = _offline(path, "--key", public_key_hex())
    assert code == 0, out
    assert out.startswith(f"VALID: all {len(bundle['proofs'])} cited events")
    assert f"checked with trusted key {report.checkpoint.key_id}" in out

    alerts = [str(a.pk) for a in world.alerts.values()]
    alert_events = set(AuditEvent.objects.filter(object_type="matching.alert", object_id__in=alerts,
                                                 seq__lt=report.checkpoint.tree_size).values_list("seq", flat=True))
    assert {"alert.raise", "alert.adjudicate"} <= set(
        AuditEvent.objects.filter(seq__in=alert_events).values_list("action", flat=True))
    assert alert_events <= {p["leaf_index"] for p in bundle["proofs"]}

    flipped = json.loads(path.read_text())
    victim = flipped["proofs"][len(flipped["proofs"]) // 2]
    victim["proof"][0] = ("0" if victim["proof"][0][0] != "0" else "1") + victim["proof"][0][1:]
    path.write_text(json.dumps(flipped))
    code, out = _offline(path, "--key", public_key_hex())
    assert code == 1 and f"INVALID: event {victim['leaf_index']}: the inclusion proof does not lead" in out


def test_the_offline_verifier_refuses_a_key_of_the_documents_own_choosing(world, tmp_path):
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from oversight.reports.proof import proof_bundle

    report = _report(world)
    path = tmp_path / "proofs.json"
    path.write_text(json.dumps(proof_bundle(report.proof, title="t", period=(world.start, world.end)),
                               cls=DjangoJSONEncoder))
    code, out = _offline(path)
    assert code == 1 and "give the log's public key" in out
    stranger = "11" * 32
    code, out = _offline(path, "--key", stranger)
    assert code == 1 and "not valid for the trusted key" in out
