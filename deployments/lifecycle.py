"""When a deployment is over: the one definition that retention, the reports and the public site all use.

A deployment is over at a moment once its authorised window has closed, once it was refused (it never
runs), or once it was ended, stopped or reviewed at or before that moment. A stop recorded for a later
moment (a lapse that falls due after the moment asked about) is not yet a fact at that moment.
"""
from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from deployments.models import Deployment, Status

# Statuses after which a deployment never matches again (its watchlist data must then go: rule 20).
OVER_STATUSES = (Status.ENDED, Status.STOPPED, Status.REVIEWED, Status.REFUSED)


def deployment_is_over(deployment: Deployment, at: datetime) -> bool:
    if deployment.ends_at <= at or deployment.status == Status.REFUSED:
        return True
    return deployment.status in OVER_STATUSES and (deployment.ended_at is None or deployment.ended_at <= at)


def deployment_over_q(at: datetime) -> Q:
    """`deployment_is_over` as a database filter, for querysets of deployments."""
    stopped = Q(status__in=OVER_STATUSES) & (Q(ended_at__isnull=True) | Q(ended_at__lte=at))
    return Q(ends_at__lte=at) | Q(status=Status.REFUSED) | stopped


def deployment_end(deployment: Deployment) -> datetime:
    """When it stopped matching: its recorded end, or its authorised end if that came first."""
    return min(filter(None, [deployment.ended_at, deployment.ends_at]))
