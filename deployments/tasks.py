from celery import shared_task

from deployments.services import urgent_authorisations_enforce


@shared_task(name="deployments.tasks.urgent_authorisations_enforce")
def urgent_authorisations_enforce_task() -> dict:
    """Periodic: stop deployments whose urgent authorisation was not reviewed in time (rule 2)."""
    stopped = urgent_authorisations_enforce()
    return {"stopped": [d.pk for d in stopped]}
