"""The periodic checkpoint task runs in a real Celery worker against the real broker."""
from __future__ import annotations

from oversight.audit.offline import verify_checkpoint
from oversight.audit.checkpoints import checkpoint_document, public_key_hex
from oversight.models import AuditEvent, Checkpoint


def test_a_worker_signs_a_checkpoint_that_verifies(celery_worker):
    size = AuditEvent.objects.count()
    result = celery_worker.send_task("oversight.tasks.audit_checkpoint_make").get(timeout=60)
    assert result["tree_size"] == size
    checkpoint = Checkpoint.objects.get(pk=result["checkpoint"])
    assert verify_checkpoint(checkpoint_document(checkpoint), public_key_hex())[0] is True
