"""Reads of the governance layer.

Selectors that take `user` return only what that person may see (another force's rows simply are not
there, so views answer 404). Selectors without `user` are for the platform itself (rules, the matcher).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from deployments.models import (
    AlgorithmVersion, Asset, AssetBooking, Authorisation, DeletionStatus, Deployment, DocumentKind, PolicyDocument,
    PostDeploymentReview, ProportionalityAssessment, Status, Watchlist, WatchlistCategory, WatchlistEntry,
)
from oversight.models import Force
from oversight.permissions import forces_visible_to, scope_to_forces
from oversight.policy import policy_in_force
from oversight.statistics import wilson_interval


# --- Scoped lists ---------------------------------------------------------------------------------
def deployment_list(*, user) -> QuerySet[Deployment]:
    return scope_to_forces(Deployment.objects.select_related("force", "algorithm_version"), user)


def authorisation_list(*, user) -> QuerySet[Authorisation]:
    return scope_to_forces(Authorisation.objects.select_related("deployment", "approver"), user,
                           "deployment__force")


def assessment_list(*, user) -> QuerySet[ProportionalityAssessment]:
    return scope_to_forces(ProportionalityAssessment.objects.select_related("deployment", "legitimate_aim"), user,
                           "deployment__force")


def watchlist_list(*, user) -> QuerySet[Watchlist]:
    return scope_to_forces(Watchlist.objects.select_related("deployment"), user, "deployment__force")


def watchlist_entry_list(*, user) -> QuerySet[WatchlistEntry]:
    return scope_to_forces(
        WatchlistEntry.objects.select_related("watchlist__deployment", "category").prefetch_related("legal_bases"),
        user, "watchlist__deployment__force")


def watchlist_category_list(*, user) -> QuerySet[WatchlistCategory]:
    return scope_to_forces(WatchlistCategory.objects.select_related("force"), user)


def watchlist_category_list_published(*, force: Force) -> QuerySet[WatchlistCategory]:
    """A force's published closed list: public information (Surveillance Camera Code principle 3)."""
    return WatchlistCategory.objects.filter(force=force, published=True)


def policy_document_list(*, user) -> QuerySet[PolicyDocument]:
    return scope_to_forces(PolicyDocument.objects.select_related("force", "algorithm_version"), user)


def review_list(*, user) -> QuerySet[PostDeploymentReview]:
    return scope_to_forces(PostDeploymentReview.objects.select_related("deployment"), user, "deployment__force")


def asset_list(*, user) -> QuerySet[Asset]:
    """The national pool and the user's own forces' assets."""
    if user is None or not user.is_authenticated:
        return Asset.objects.none()
    return Asset.objects.filter(Q(force__isnull=True) | Q(force__in=forces_visible_to(user)))


def assets_free(*, user, starts_at: datetime | None, ends_at: datetime | None) -> QuerySet[Asset]:
    """The vans and cameras `user`'s force may book (the national pool and its own, less national vans allocated
    only to other forces) that no live booking holds at any moment of the window; with no window yet, every one
    of them."""
    ours = Asset.objects.filter(allocated_to__in=forces_visible_to(user)).values("pk")
    elsewhere = Asset.objects.filter(allocated_to__isnull=False).exclude(pk__in=ours).values("pk")
    assets = asset_list(user=user).exclude(pk__in=elsewhere).order_by("kind", "code")
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        return assets
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    busy = AssetBooking.objects.filter(released_at__isnull=True,
                                       during__overlap=DateTimeTZRange(starts_at, ends_at, "[)"))
    return assets.exclude(pk__in=busy.values("asset_id"))


def asset_booking_list(*, user) -> QuerySet[AssetBooking]:
    return scope_to_forces(AssetBooking.objects.select_related("asset", "deployment"), user, "deployment__force")


def algorithm_version_list() -> QuerySet[AlgorithmVersion]:
    """Which algorithms are in use, and their calibration, is public (transparency report)."""
    return AlgorithmVersion.objects.all()


# --- Platform reads -------------------------------------------------------------------------------
def documents_in_force(*, force: Force, at: datetime) -> dict[str, PolicyDocument]:
    """The latest approved version of each kind of document (bias tests apart) at `at`."""
    current = {}
    docs = PolicyDocument.objects.filter(force=force, approved_on__lte=at.date()).exclude(kind=DocumentKind.BIAS_TEST)
    for doc in docs.order_by("kind", "-approved_on", "-id"):
        current.setdefault(doc.kind, doc)
    return current


def bias_tests_in_force(*, force: Force, at: datetime) -> dict[int, PolicyDocument]:
    """The latest approved bias-test report per algorithm version, keyed by algorithm version id."""
    current = {}
    docs = PolicyDocument.objects.filter(force=force, kind=DocumentKind.BIAS_TEST, approved_on__lte=at.date())
    for doc in docs.order_by("algorithm_version_id", "-approved_on", "-id"):
        current.setdefault(doc.algorithm_version_id, doc)
    return current


def bias_test_for(*, deployment: Deployment, at: datetime) -> PolicyDocument | None:
    return bias_tests_in_force(force=deployment.force, at=at).get(deployment.algorithm_version_id)


def authorisation_current(*, deployment: Deployment) -> Authorisation | None:
    """The authorisation the deployment runs under, if it may run at all."""
    if deployment.status not in (Status.AUTHORISED, Status.URGENT_AUTHORISED, Status.ACTIVE):
        return None
    return (deployment.authorisations.filter(decision=Authorisation.Decision.AUTHORISED)
            .order_by("-decided_at", "-id").first())


def watchlist_entries_for_matching(*, deployment: Deployment) -> QuerySet[WatchlistEntry]:
    """Entries the matcher may use: a granted deletion application takes an image out (rule 13)."""
    return (WatchlistEntry.objects.filter(watchlist__deployment=deployment)
            .exclude(deletion_status=DeletionStatus.GRANTED).select_related("category"))


def watchlist_composition(*, watchlist: Watchlist | None) -> dict:
    """Size and make-up of a watchlist, always at hand for the approver and the reports (rule 11)."""
    if watchlist is None:
        return {"size": 0, "by_category": [], "under_18": 0, "unconvicted": 0, "deletion_granted": 0,
                "by_source": []}
    entries = watchlist.entries.all()
    totals = entries.aggregate(
        size=Count("id"), under_18=Count("id", filter=Q(under_18=True)),
        unconvicted=Count("id", filter=Q(unconvicted=True)),
        deletion_granted=Count("id", filter=Q(deletion_status=DeletionStatus.GRANTED)),
    )
    by_category = list(entries.values("category__code", "category__name").annotate(count=Count("id"))
                       .order_by("category__position", "category__code"))
    by_source = list(entries.values("image_source_system").annotate(count=Count("id")).order_by("-count"))
    return totals | {
        "by_category": [{"code": r["category__code"], "name": r["category__name"], "count": r["count"]}
                        for r in by_category],
        "by_source": [{"source": r["image_source_system"], "count": r["count"]} for r in by_source],
    }


@dataclass(frozen=True)
class EntryEvidence:
    """What an approver reads about one person on a watchlist before deciding (rules 8, 9, 12-14)."""

    entry: WatchlistEntry
    bases: list[tuple[str, str]]  # (code, title in words, from the register's wording in force)
    image_age_years: float | None
    flags: list[tuple[str, str]]  # (severity: "warning" or "blocking", words)


@dataclass(frozen=True)
class CategoryEvidence:
    category: WatchlistCategory
    entries: list[EntryEvidence]


def watchlist_evidence(*, watchlist: Watchlist | None, at: datetime) -> list[CategoryEvidence]:
    """Every entry of a watchlist with its legal bases in words and its flags, grouped by category."""
    if watchlist is None:
        return []
    entries = (watchlist.entries.select_related("category", "second_approver")
               .prefetch_related("legal_bases__versions").order_by("category__position", "category__code",
                                                                   "subject_reference"))
    max_age = policy_in_force("watchlist.image_age_warn_years", at=at).value
    groups: dict[int, CategoryEvidence] = {}
    for entry in entries:
        bases = []
        for basis in entry.legal_bases.all():
            wording = max((v for v in basis.versions.all() if v.effective_from <= at), key=lambda v: v.version,
                          default=None)
            bases.append((basis.code, wording.title if wording else basis.code))
        age = (at.date() - entry.image_date).days / 365.25 if entry.image_date else None
        flags = []
        if entry.under_18:
            flags.append(("warning", "Under 18: second approval given" if entry.second_approver_id
                          else "Under 18: needs a second approval"))
        if entry.unconvicted:
            flags.append(("warning", "Not convicted: check the image is still lawfully held"))
        if entry.deletion_status == DeletionStatus.GRANTED:
            flags.append(("blocking", "Deletion granted: the image may not be used"))
        elif entry.deletion_status == DeletionStatus.PENDING:
            flags.append(("warning", "Deletion application pending"))
        if age is not None and age > max_age:
            flags.append(("warning", f"Image {age:.0f} years old (older than {max_age:g} years)"))
        if entry.quality_check != "passed":
            flags.append(("warning", "Image failed its quality check"))
        group = groups.setdefault(entry.category_id, CategoryEvidence(category=entry.category, entries=[]))
        group.entries.append(EntryEvidence(entry=entry, bases=sorted(bases), image_age_years=age, flags=flags))
    return list(groups.values())


def _count_in_words(value: float) -> str:
    if value < 0.01:
        return "less than 0.01"
    if value < 10:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:,.0f}"


def false_match_rate(*, algorithm: AlgorithmVersion, threshold: float) -> float | None:
    """Per-comparison false-match rate at `threshold`, interpolated in log space between calibration points.

    Above the highest calibrated threshold the highest point's rate is used (an over-estimate, so safe);
    below the lowest there is no honest answer, so None.
    """
    points = sorted((float(t), float(r)) for t, r in algorithm.calibration)
    if not points or threshold < points[0][0]:
        return None
    if threshold >= points[-1][0]:
        return points[-1][1]
    for (t0, r0), (t1, r1) in zip(points, points[1:]):
        if t0 <= threshold <= t1:
            share = (threshold - t0) / (t1 - t0)
            return math.exp(math.log(r0) + share * (math.log(r1) - math.log(r0)))
    return None  # unreachable: the loop covers the calibrated range


@dataclass(frozen=True)
class ExpectedFalseAlerts:
    faces: int | None
    watchlist_size: int
    rate: float | None
    value: float | None
    pairs: int | None = None  # impostor comparisons behind the calibration, when known

    @property
    def measured(self) -> bool | None:
        """Whether the rate at this threshold lies inside what the calibration could measure (None: not known)."""
        if self.rate is None or not self.pairs:
            return None
        return self.rate >= 1 / self.pairs

    @property
    def interval(self) -> tuple[float, float] | None:
        """95% range of the expected false alerts, from the calibration's own sampling error."""
        if self.value is None or not self.pairs:
            return None
        low, high = wilson_interval(self.rate * self.pairs, self.pairs)
        comparisons = self.faces * self.watchlist_size
        return comparisons * low, comparisons * high

    @property
    def interval_in_words(self) -> str | None:
        bounds = self.interval
        return None if bounds is None else f"{_count_in_words(bounds[0])} to {_count_in_words(bounds[1])}"

    @property
    def per_thousand_faces(self) -> float | None:
        """Expected false alerts per 1,000 faces: what the watchlist's size and the threshold cost each crowd."""
        return None if self.rate is None else 1000 * self.watchlist_size * self.rate

    @property
    def per_thousand_interval(self) -> tuple[float, float] | None:
        if self.rate is None or not self.pairs:
            return None
        low, high = wilson_interval(self.rate * self.pairs, self.pairs)
        return 1000 * self.watchlist_size * low, 1000 * self.watchlist_size * high

    @property
    def per_thousand_in_words(self) -> str | None:
        value = self.per_thousand_faces
        return None if value is None else _count_in_words(value)

    @property
    def per_thousand_interval_in_words(self) -> str | None:
        bounds = self.per_thousand_interval
        return None if bounds is None else f"{_count_in_words(bounds[0])} to {_count_in_words(bounds[1])}"

    @property
    def in_words(self) -> str | None:
        """The expected number as an approver reads it: no exponents."""
        return None if self.value is None else _count_in_words(self.value)

    @property
    def rate_in_words(self) -> str | None:
        """The per-comparison false-match rate as "1 in N"."""
        return f"1 in {1 / self.rate:,.0f}" if self.rate else None

    def explain(self) -> str:
        if self.value is None:
            return "cannot be computed"
        return (f"{self.value:.3g} ({self.faces:,} faces × {self.watchlist_size:,} entries × "
                f"{self.rate:.3g} false matches per comparison)")


def expected_false_alerts(*, deployment: Deployment) -> ExpectedFalseAlerts:
    """Expected faces × watchlist size × per-comparison false-match rate at the threshold (rule 11)."""
    assessment = assessment_of(deployment=deployment)
    faces = assessment.expected_faces if assessment else None
    watchlist = watchlist_of(deployment=deployment)
    size = watchlist.entries.count() if watchlist else 0
    rate = false_match_rate(algorithm=deployment.algorithm_version, threshold=deployment.threshold)
    value = faces * size * rate if faces is not None and rate is not None else None
    return ExpectedFalseAlerts(faces=faces, watchlist_size=size, rate=rate, value=value,
                               pairs=deployment.algorithm_version.calibration_pairs)


def review_due_at(*, deployment: Deployment) -> datetime | None:
    """When the post-deployment review is due: set by the policy in force when the deployment ended (rule 23)."""
    if deployment.ended_at is None:
        return None
    days = policy_in_force("review.post_deployment_days", at=deployment.ended_at).value
    return deployment.ended_at + timedelta(days=days)


def reviews_overdue(*, force: Force, at: datetime) -> list[Deployment]:
    """Deployments that ended or were stopped and are past their post-deployment review date (rule 23)."""
    ended = Deployment.objects.filter(force=force, status__in=[Status.ENDED, Status.STOPPED], ended_at__isnull=False)
    return [d for d in ended if review_due_at(deployment=d) < at]


def assessment_of(*, deployment: Deployment) -> ProportionalityAssessment | None:
    if not deployment.pk:
        return None
    return ProportionalityAssessment.objects.filter(deployment=deployment).select_related("legitimate_aim").first()


def watchlist_of(*, deployment: Deployment) -> Watchlist | None:
    if not deployment.pk:
        return None
    return Watchlist.objects.filter(deployment=deployment).first()


@dataclass(frozen=True)
class ExternalFigures:
    """What an approver reads about an algorithm that runs in a vendor's system: the vendor's figures as its
    independent test measured them, and what they mean for this deployment."""

    algorithm: AlgorithmVersion
    threshold: float
    test_report: PolicyDocument | None
    watchlist_size: int
    faces: int | None

    @property
    def threshold_within_tested(self) -> bool:
        a = self.algorithm
        return a.tested_threshold_min <= self.threshold <= a.tested_threshold_max

    @property
    def tested_rate_in_words(self) -> str:
        a = self.algorithm
        return (f"about 1 false alert in {1 / a.tested_false_alert_rate:,.0f} faces" if a.tested_false_alert_rate
                else "no false alerts")

    @property
    def expected_here(self) -> float | None:
        """The tested rate scaled to this watchlist (false alerts grow roughly in proportion to its size)."""
        a = self.algorithm
        if self.faces is None or not a.tested_watchlist_size:
            return None
        return self.faces * a.tested_false_alert_rate * self.watchlist_size / a.tested_watchlist_size

    @property
    def expected_here_in_words(self) -> str | None:
        value = self.expected_here
        return None if value is None else _count_in_words(value)


def external_algorithm_figures(*, deployment: Deployment, at: datetime) -> ExternalFigures | None:
    """None unless the deployment's algorithm is external."""
    algorithm = deployment.algorithm_version
    if not algorithm.external:
        return None
    assessment = assessment_of(deployment=deployment)
    watchlist = watchlist_of(deployment=deployment)
    return ExternalFigures(algorithm=algorithm, threshold=deployment.threshold,
                           test_report=bias_test_for(deployment=deployment, at=at),
                           watchlist_size=watchlist.entries.count() if watchlist else 0,
                           faces=assessment.expected_faces if assessment else None)
