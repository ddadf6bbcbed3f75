"""Reads of the matcher layer: one selector per kind of object, returning exactly what a user may see."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from deployments.models import WatchlistEntry
from matching.models import (
    Alert, CustodyImage, Deletion, DeletionKind, Device, FacesProcessed, GalleryKind, NationalSearchNotice, OifrCheck,
    RfrCandidate, RfrSearch,
    VideoFeed, WatchlistTemplate,
)
from oversight.models import PolicySetting, Role
from oversight.permissions import CHANGE, forces_with, scope_to_forces

OVERSIGHT = (Role.OVERSIGHT_AUDITOR, Role.OVERSIGHT_ADMIN)


def _is_oversight(user) -> bool:
    return user is not None and user.is_authenticated and user.role in OVERSIGHT


def alert_list(*, user) -> QuerySet[Alert]:
    return scope_to_forces(Alert.objects.all(), user, "deployment__force").select_related(
        "deployment", "entry__category", "adjudication", "engagement", "face_model")


def device_list(*, user) -> QuerySet[Device]:
    return scope_to_forces(Device.objects.all(), user, "deployment__force")


def video_feed_list(*, user) -> QuerySet[VideoFeed]:
    return scope_to_forces(VideoFeed.objects.all(), user, "deployment__force")


def gallery_list(*, user) -> QuerySet[CustodyImage]:
    return scope_to_forces(CustodyImage.objects.all(), user)


def custody_images_deletable(*, user) -> QuerySet[CustodyImage]:
    """The custody images of the forces whose records `user` may change: their own force's, never another's."""
    return CustodyImage.objects.filter(kind=GalleryKind.CUSTODY, force__in=forces_with(user, CHANGE))


def rfr_search_list(*, user) -> QuerySet[RfrSearch]:
    """RFR results go to the investigator who asked and to the oversight body's auditors only."""
    if _is_oversight(user):
        return RfrSearch.objects.all()
    if user is None or not user.is_authenticated:
        return RfrSearch.objects.none()
    return scope_to_forces(RfrSearch.objects.filter(requested_by=user), user)


def rfr_candidate_list(*, user) -> QuerySet[RfrCandidate]:
    """Candidates of the searches a user may read. A candidate of a national search may be another force's
    custody image: the searcher sees it (its owner's reference and photo) because it reached the threshold, and
    only candidates that did are ever stored. Nobody browses another force's gallery."""
    return (RfrCandidate.objects.filter(search__in=rfr_search_list(user=user))
            .select_related("custody_image", "custody_image__force"))


def national_search_notice_list(*, user) -> QuerySet[NationalSearchNotice]:
    """National searches by other forces that returned a force's custody images: to that force (its officers
    and administrators) and to the oversight body. The searching force reads its search, not these."""
    return (scope_to_forces(NationalSearchNotice.objects.all(), user, "owning_force")
            .select_related("search__force", "search__requested_by", "search__authorised_by", "owning_force"))


def national_search_images(*, notice: NationalSearchNotice) -> QuerySet[RfrCandidate]:
    """The owning force's own images a national search returned (its references; never the other forces')."""
    return (RfrCandidate.objects.filter(search=notice.search, custody_image__force=notice.owning_force)
            .select_related("custody_image"))


def national_authorisers(*, user) -> QuerySet:
    """People of the user's own force who may be named as the authorising officer of a national search
    (the rule judges their rank)."""
    from django.contrib.auth import get_user_model

    if user is None or not user.is_authenticated or user.force_id is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(force_id=user.force_id, is_active=True, rank__isnull=False)


def oifr_check_list(*, user) -> QuerySet[OifrCheck]:
    """OIFR results go to the officer who ran the check and to the oversight body's auditors only."""
    if _is_oversight(user):
        return OifrCheck.objects.all()
    if user is None or not user.is_authenticated:
        return OifrCheck.objects.none()
    return scope_to_forces(OifrCheck.objects.filter(officer=user), user)


def faces_processed(*, deployment) -> dict:
    totals = FacesProcessed.objects.filter(deployment=deployment).aggregate(
        faces=Sum("faces"), alerts=Sum("alerts"), discarded=Sum("discarded"))
    return {key: value or 0 for key, value in totals.items()}


def faces_per_minute(*, deployment) -> list[dict]:
    return list(FacesProcessed.objects.filter(deployment=deployment).order_by("minute")
                .values("minute", "faces", "alerts", "discarded"))


def alert_counts(*, deployment) -> dict:
    return Alert.objects.filter(deployment=deployment).aggregate(
        alerts=Count("id"),
        undecided=Count("id", filter=Q(adjudication__isnull=True)),
        true_matches=Count("id", filter=Q(adjudication__decision="true_match")),
        false_alerts=Count("id", filter=Q(adjudication__decision="false_alert")),
        inconclusive=Count("id", filter=Q(adjudication__decision="inconclusive")),
        engagements=Count("id", filter=Q(engagement__isnull=False)),
        arrests=Count("id", filter=Q(engagement__outcome="arrested")),
    )


def deletions_report(*, user, now: datetime | None = None) -> dict:
    """Deletions done (on time or late) and deletions due but not yet done, for the forces `user` may see."""
    from deployments.lifecycle import deployment_is_over
    from matching.rules import _deployments_holding_watchlist_data, alert_due_at, watchlist_due_at

    now = now or timezone.now()
    done = scope_to_forces(Deletion.objects.all(), user)
    summary = {kind: {"done": 0, "late": 0} for kind in DeletionKind.values}
    for row in done.values("kind").annotate(n=Count("id")):
        summary[row["kind"]]["done"] = row["n"]
    for deletion in done.only("kind", "due_at", "done_at"):
        if deletion.done_at > deletion.due_at:
            summary[deletion.kind]["late"] += 1
    outstanding = []
    visible = scope_to_forces(_deployments_holding_watchlist_data(), user)
    for deployment in visible:
        if deployment_is_over(deployment, now):
            due_at, _ = watchlist_due_at(deployment)
            outstanding.append({"kind": DeletionKind.WATCHLIST_TEMPLATE, "deployment": deployment.pk,
                                "due_at": due_at, "overdue": due_at < now,
                                "items": WatchlistEntry.objects.filter(watchlist__deployment=deployment)
                                .exclude(image="").count()
                                or WatchlistTemplate.objects.filter(deployment=deployment).count()})
    for alert in alert_list(user=user).filter(media_deleted_at__isnull=True, holds__isnull=True).exclude(crop=""):
        due_at, _ = alert_due_at(alert)
        if due_at < now:
            outstanding.append({"kind": DeletionKind.ALERT_MEDIA, "deployment": alert.deployment_id,
                                "due_at": due_at, "overdue": True, "items": 1})
    # Custody images of people never convicted, past their retention period: each force's own images.
    from matching.services.retention import custody_image_due_at

    # Only an image older than the shortest period any version of the policy gave can be overdue: the rest are
    # left in the database, and each candidate is judged by the version that governs it.
    periods = [v for v in PolicySetting.objects.filter(key="retention.unconvicted_custody_image_days")
               .values_list("value", flat=True) if isinstance(v, int)]
    images = scope_to_forces(CustodyImage.objects.filter(unconvicted=True, deleted_at__isnull=True), user)
    if periods:
        oldest = now - timedelta(days=min(periods))
        images = images.filter(Q(taken_on__lte=oldest.date()) | Q(taken_on__isnull=True, created_at__lt=oldest))
    for image in images.only("pk", "force_id", "created_at", "taken_on"):
        due_at, _ = custody_image_due_at(image)
        if due_at < now:
            outstanding.append({"kind": DeletionKind.CUSTODY_IMAGE, "deployment": None,
                                "due_at": due_at, "overdue": True, "items": 1})
    return {"done": summary, "outstanding": outstanding}
