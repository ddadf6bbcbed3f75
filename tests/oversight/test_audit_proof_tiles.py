"""Inclusion proofs read kept subtree hashes (tiles) instead of the whole log, and give the RFC 9162 path."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from oversight.audit import actions
from oversight.audit.checkpoints import checkpoint_make, public_key_hex, stored_leaf_hashes
from oversight.audit.log import audit_record
from oversight.audit.merkle import inclusion_proof
from oversight.audit.offline import verify_inclusion_document
from oversight.audit.proofs import TiledTree, inclusion_document
from oversight.models import AuditEvent, AuditTile


@pytest.fixture
def long_log(personas):
    """A log of a little over 1,100 events, signed at an odd size and again at its end."""
    for n in range(600 - AuditEvent.objects.count()):
        audit_record(actor=None, action=actions.FORCE_UPDATE, obj=personas.force_a, new={"n": n})
    first = checkpoint_make()
    for n in range(533):
        audit_record(actor=None, action=actions.FORCE_UPDATE, obj=personas.force_b, new={"n": n})
    return first, checkpoint_make()


def test_tiles_are_kept_at_each_checkpoint(long_log):
    first, last = long_log
    assert set(AuditTile.objects.values_list("height", "index")) == {(8, 0), (8, 1), (8, 2), (8, 3), (9, 0),
                                                                     (9, 1), (10, 0)}


def test_tiled_paths_are_the_rfc_paths_at_every_checkpoint(long_log):
    leaves = stored_leaf_hashes()
    for checkpoint in long_log:
        size = checkpoint.tree_size
        for index in (0, 1, 255, 256, 511, 512, 599, size // 2, size - 2, size - 1):
            if index < size:
                assert TiledTree().inclusion_path(index, size) == inclusion_proof(index, leaves[:size]), (index, size)


def test_a_served_proof_passes_the_offline_verifier(long_log):
    for seq in (3, 700, long_log[1].tree_size - 1):
        doc = inclusion_document(seq)
        assert verify_inclusion_document(doc, public_key_hex())[0], seq


def test_a_forged_tile_cannot_make_a_proof_pass(long_log):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE oversight_audittile SET hash = %s WHERE height = 9 AND index = 0", [b"\0" * 32])
        cursor.execute("SET session_replication_role = DEFAULT")
    ok, why = verify_inclusion_document(inclusion_document(800), public_key_hex())
    assert not ok and "does not lead to the checkpoint's root hash" in why
    out = StringIO()
    call_command("audit", "verify", stdout=out)  # verification recomputes everything and never reads tiles
    assert "audit log intact" in out.getvalue()
