from celery import shared_task

from oversight.audit.checkpoints import checkpoint_if_overdue, checkpoint_make


@shared_task(name="oversight.tasks.audit_checkpoint_make")
def audit_checkpoint_make() -> dict:
    """Periodic: sign the audit log if it grew since the last checkpoint."""
    checkpoint = checkpoint_make(only_if_grown=True)
    return {"tree_size": checkpoint.tree_size, "checkpoint": checkpoint.pk}


@shared_task(name="oversight.tasks.audit_checkpoint_if_overdue")
def audit_checkpoint_if_overdue() -> dict:
    """Periodic: sign the audit log when its uncovered tail has passed the policy's events or minutes."""
    checkpoint = checkpoint_if_overdue()
    return {"signed": checkpoint is not None, "tree_size": checkpoint.tree_size if checkpoint else None}


@shared_task(name="oversight.tasks.ping")
def ping() -> str:
    """Health check: answers when a worker is consuming the queue (the SQL transport has no broadcast ping)."""
    return "pong"
