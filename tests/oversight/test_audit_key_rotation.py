"""Rotating the key that signs checkpoints: a hand-over checkpoint signed by both keys, the rotation audited,
old checkpoints still verified by the retired key in its period, and nothing else trusted."""
from __future__ import annotations

import datetime as dt
import json
from io import StringIO

from django.core.management import call_command

from config.settings import _new_signing_key
from oversight import services
from oversight.audit.checkpoints import audit_key_rotate, checkpoint_make, public_key_of, signing_key
from oversight.audit.keys import parse_trusted_keys
from oversight.models import AuditEvent, Checkpoint


def verify(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        return 0, out.getvalue(), err.getvalue()
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()


def test_a_rotation_hands_over_with_both_signatures_and_keeps_old_checkpoints_valid(personas, settings):
    checkpoint_make()
    old_public = public_key_of(signing_key())
    new_private = _new_signing_key()
    result = audit_key_rotate(actor=None, new_private_hex=new_private)
    old_cp, new_cp = result["old_checkpoint"], result["new_checkpoint"]
    assert old_cp.tree_size == new_cp.tree_size and bytes(old_cp.root_hash) == bytes(new_cp.root_hash)
    assert old_cp.key_id != new_cp.key_id
    event = AuditEvent.objects.get(action="audit_key.rotate")
    assert event.old["public_key"] == old_public and event.new["key_id"] == new_cp.key_id
    assert event.seq < old_cp.tree_size  # the hand-over covers its own record

    settings.AUDIT_SIGNING_KEY = new_private
    settings.AUDIT_TRUSTED_KEYS = result["trusted_keys"]
    retired, current = parse_trusted_keys(result["trusted_keys"])
    assert retired.public_key == old_public and retired.valid_until is not None and current.valid_until is None
    services.force_create(actor=personas.oversight_admin, code="kent", name="Kent Police")
    checkpoint_make()
    code, out, err = verify()
    assert code == 0, err
    assert f"by trusted key {new_cp.key_id}" in out


def test_after_a_rotation_the_retired_key_may_not_sign_new_checkpoints(personas, settings):
    old_private = settings.AUDIT_SIGNING_KEY
    new_private = _new_signing_key()
    result = audit_key_rotate(actor=None, new_private_hex=new_private)
    settings.AUDIT_TRUSTED_KEYS = result["trusted_keys"]
    # Someone who kept the old key signs a checkpoint after the hand-over.
    settings.AUDIT_SIGNING_KEY = old_private
    late = checkpoint_make()
    settings.AUDIT_SIGNING_KEY = new_private
    code, _, err = verify()
    assert code == 1
    assert f"signed by key {late.key_id} at" in err and "outside the period that key was in force" in err


def test_the_command_keeps_the_new_key_with_the_embedded_default(personas, settings, tmp_path, monkeypatch):
    monkeypatch.delenv("APP_AUDIT_SIGNING_KEY", raising=False)
    settings.SECRETS_DIR = tmp_path
    key_file = tmp_path / "new.key"
    key_file.write_text(_new_signing_key())
    out = StringIO()
    call_command("audit", "rotate-key", "--new-key-file", str(key_file), stdout=out)
    assert "hand-over checkpoint of size" in out.getvalue()
    assert (tmp_path / "audit-signing-key").read_text() == key_file.read_text()
    kept = parse_trusted_keys((tmp_path / "audit-trusted-keys").read_text())
    assert [k.public_key for k in kept][-1] == public_key_of(signing_key(key_file.read_text()))
    assert Checkpoint.objects.filter(tree_size=Checkpoint.objects.order_by("-tree_size").first().tree_size).count() == 2


def test_the_pinned_keys_file_lets_the_offline_verifier_pick_the_key(personas, tmp_path):
    import subprocess
    import sys

    checkpoint_make()
    keys = tmp_path / "keys.json"
    call_command("audit", "keys", "--output", str(keys), stdout=StringIO())
    proof = tmp_path / "proof.json"
    out = StringIO()
    call_command("audit", "prove", "--event", "3", stdout=out)
    proof.write_text(out.getvalue())
    done = subprocess.run([sys.executable, "-m", "oversight.audit.offline", str(proof), "--keys", str(keys)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VALID: event 3 is in the log" in done.stdout and "checked with trusted key" in done.stdout
    pinned = json.loads(keys.read_text())
    pinned["keys"][0]["valid_until"] = (dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)).isoformat()
    keys.write_text(json.dumps(pinned))
    done = subprocess.run([sys.executable, "-m", "oversight.audit.offline", str(proof), "--keys", str(keys)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "outside its pinned period" in done.stdout
