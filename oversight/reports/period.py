"""The one set of facts behind every report: the regulator report, the public transparency report, the
dashboard and the audits of forces all read `load` (a fixed number of queries, whatever the number of
deployments or alerts: a force-year is 200 deployments and 2,000 alerts).

Which records belong to a period (one definition, so that two reports of the same force and month agree):
- LFR deployments of the forces whose window starts in the period and that reached a decision (an
  authorisation, urgent authorisation or refusal is on record): drafts are not a use of FR. A deployment
  belongs to the one period it starts in, so monthly figures add up to the year's;
- every alert of those deployments;
- deletions that fell due in the period (done on time, done late, or still outstanding at `as_of`);
- RFR searches and OIFR checks made in the period; audits of the forces that cover it;
- complaints received in the period, by force and outcome.

Facts are as known at `as_of`: a stop or lapse recorded for a later moment is not yet one.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Sum
from django.utils import timezone

from deployments.complaints.selectors import complaint_counts
from deployments.complaints.models import Complaint
from deployments.lifecycle import deployment_end, deployment_is_over
from deployments.models import (
    Authorisation, Consultation, DeletionStatus, Deployment, DocumentKind, Kind, PolicyDocument, QualityCheck, Status,
    WatchlistCategory, WatchlistEntry,
)
from deployments.selectors import ExpectedFalseAlerts, false_match_rate
from matching.models import (
    Alert, CustodyImage, Decision, Deletion, DeletionKind, FacesProcessed, LegalHold, NationalSearchNotice, OifrCheck,
    Outcome,
    RfrCandidate, RfrSearch, VendorPackage, WatchlistTemplate,
)
from matching.rules import custody_image_held_from
from oversight.models import AuditEvent, Force, PolicySetting
from oversight.reports.models import ForceAudit
POLICY_KEYS = ("retention.watchlist_template_hours", "retention.alert_image_days", "retention.rfr_probe_days",
               "review.post_deployment_days", "matching.threshold_floor", "complaints.personal_data_days",
               "retention.unconvicted_custody_image_days")


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in local time: a period given in whole days, end inclusive."""
    zone = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))


class PolicyTimeline:
    """`policy_in_force` answered from memory: one query for every version of the keys a report reads."""

    def __init__(self, keys=POLICY_KEYS):
        self._versions: dict[str, list[PolicySetting]] = defaultdict(list)
        for setting in PolicySetting.objects.filter(key__in=keys).order_by("effective_from", "version"):
            self._versions[setting.key].append(setting)
        self._times = {key: [s.effective_from for s in versions] for key, versions in self._versions.items()}

    def at(self, key: str, when: datetime) -> PolicySetting | None:
        index = bisect_right(self._times.get(key, []), when)
        return self._versions[key][index - 1] if index else None

    def value(self, key: str, when: datetime, default=None):
        setting = self.at(key, when)
        return setting.value if setting is not None else default


class EventRef(NamedTuple):
    """An audit event a report cites: its leaf index and what it records."""

    seq: int
    action: str


def one(obj, name: str):
    """A reverse one-to-one that may be missing (select_related leaves it absent rather than None)."""
    try:
        return getattr(obj, name)
    except Exception:  # RelatedObjectDoesNotExist is a subclass per relation
        return None


def alert_counts(alerts) -> dict:
    """Alerts by officer's decision, engagements and their outcomes: the one count every report shows."""
    counts = {"alerts": len(alerts), "true_matches": 0, "false_alerts": 0, "inconclusive": 0, "undecided": 0,
              "engagements": 0, "arrests": 0, "outcomes": {o.value: 0 for o in Outcome}}
    key = {Decision.TRUE_MATCH: "true_matches", Decision.FALSE_ALERT: "false_alerts",
           Decision.INCONCLUSIVE: "inconclusive"}
    for alert in alerts:
        adjudication = one(alert, "adjudication")
        counts[key[adjudication.decision] if adjudication else "undecided"] += 1
        engagement = one(alert, "engagement")
        if engagement is not None:
            counts["engagements"] += 1
            counts["outcomes"][engagement.outcome] += 1
    counts["arrests"] = counts["outcomes"][Outcome.ARRESTED]
    return counts


# Where a deployment stands at a moment, in the words both reports use.
STATES = {"refused": "Refused", "not_run": "Authorised, not run", "in_progress": "In progress",
          "completed": "Completed", "stopped": "Stopped before its end"}


def deployment_state(deployment: Deployment, at: datetime) -> str:
    if deployment.status == Status.REFUSED:
        return "refused"
    if deployment.activated_at is None or deployment.activated_at > at:
        return "not_run"
    if not deployment_is_over(deployment, at):
        return "in_progress"
    return "stopped" if deployment.status == Status.STOPPED else "completed"


@dataclass
class DeploymentFacts:
    deployment: Deployment
    authorisations: list[Authorisation]
    assessment: object | None
    review: object | None
    watchlist: object | None
    size: int
    by_category: dict[int, int]
    faces: int
    discarded: int
    alerts: list[Alert]
    review_due_at: datetime | None
    expected: ExpectedFalseAlerts
    expected_for_faces_seen: float | None
    legal_bases: list[str]
    counts: dict
    over: bool
    state: str
    consulted: list[str] = field(default_factory=list)  # kinds of group consulted (ConsultedBody), in order

    @property
    def pk(self) -> int:
        return self.deployment.pk

    @property
    def ran(self) -> bool:
        return self.state not in ("refused", "not_run")

    @property
    def withheld(self) -> bool:
        """Kept from the public for now: covert (always refused), or under a critical-threat exemption until over."""
        d = self.deployment
        return d.covert or (d.critical_threat_exemption and not self.over)

    @property
    def public(self) -> bool:
        """Listed in the public report's deployment log: it ran, and is not withheld."""
        return self.ran and not self.withheld

    def authorisation_at(self, when: datetime) -> Authorisation | None:
        """The authorisation (full, urgent or extension) the deployment ran under at `when`."""
        current = None
        for auth in self.authorisations:
            if auth.decision == Authorisation.Decision.AUTHORISED and auth.decided_at <= when:
                current = auth
        if current is None:  # an alert before any decision would itself be an exception; show the first one
            current = next((a for a in self.authorisations if a.decision == Authorisation.Decision.AUTHORISED), None)
        return current

    @property
    def decisive(self) -> Authorisation | None:
        """The latest decision on the deployment (its current authorisation, or its refusal)."""
        return self.authorisations[-1] if self.authorisations else None


@dataclass
class Facts:
    forces: list[Force]
    start: datetime
    end: datetime
    as_of: datetime
    policy: PolicyTimeline
    deployments: list[DeploymentFacts]
    categories: dict[int, WatchlistCategory]
    entry_bases: dict[int, list[str]]
    events: dict[tuple[str, str], list["EventRef"]]
    deletion_counts: dict[str, dict[str, int]]
    late_deletions: list[dict]
    outstanding: list[dict]
    held_alerts: int
    documents: dict[int, list[PolicyDocument]]
    hygiene: dict
    rfr_searches: list[dict]
    rfr_candidates: list[dict]
    # Other forces' national searches that returned these forces' custody images (one row a search and force).
    national_searches_received: list[dict]
    oifr_checks: list[dict]
    audits: list[ForceAudit]
    complaints: dict  # received in the period: {"received", "by_outcome", "by_force"}

    @property
    def alerts(self) -> list[Alert]:
        return [a for d in self.deployments for a in d.alerts]

    @property
    def force_ids(self) -> list[int]:
        return [f.pk for f in self.forces]

    def events_of(self, object_type: str, object_id) -> list["EventRef"]:
        return self.events.get((object_type, str(object_id)), [])

    def deletions(self) -> dict[str, dict[str, int]]:
        """Per kind of biometric data, the deletions that fell due in the period: done on time, done late,
        and still outstanding at `as_of` (rule 22: deletions done against deletions due)."""
        kinds = {k.value: {"due": 0, "done": 0, "on_time": 0, "late": 0, "outstanding": 0} for k in DeletionKind}
        for kind, counts in self.deletion_counts.items():
            kinds[kind]["late"] = counts["late"]
            kinds[kind]["on_time"] = counts["done"] - counts["late"]
        for item in self.outstanding:
            kinds[item["kind"]]["outstanding"] += item["items"]
        for row in kinds.values():
            row["done"] = row["on_time"] + row["late"]
            row["due"] = row["done"] + row["outstanding"]
        return kinds


def decided_deployments(*, forces, start: datetime, end: datetime):
    """LFR deployments of the forces that start in [start, end) and reached a decision."""
    decided = Exists(Authorisation.objects.filter(deployment=OuterRef("pk")))
    return (Deployment.objects.filter(force__in=forces, kind=Kind.LFR, starts_at__gte=start, starts_at__lt=end)
            .filter(decided))


def load(*, forces, start: datetime, end: datetime, as_of: datetime | None = None) -> Facts:
    forces = list(forces)
    as_of = as_of or timezone.now()
    policy = PolicyTimeline()
    authorisations = (Authorisation.objects.select_related(
        "approver", "urgent_reviewed_by", "dpia", "apd", "eqia", "bias_test", "algorithm_version")
        .prefetch_related("policy_settings").order_by("decided_at", "id"))
    deployments = list(
        decided_deployments(forces=forces, start=start, end=end)
        .select_related("force", "algorithm_version", "assessment__legitimate_aim", "assessment__decided_by",
                        "review__reviewed_by", "watchlist")
        .prefetch_related(Prefetch("authorisations", queryset=authorisations), "legal_bases")
        .order_by("starts_at", "id"))
    ids = [d.pk for d in deployments]

    composition: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (WatchlistEntry.objects.filter(watchlist__deployment__in=ids)
                .values("watchlist__deployment_id", "category_id").annotate(n=Count("id"))):
        composition[row["watchlist__deployment_id"]][row["category_id"]] = row["n"]
    faces = {row["deployment_id"]: row for row in FacesProcessed.objects.filter(deployment__in=ids)
             .values("deployment_id").annotate(faces=Sum("faces"), discarded=Sum("discarded"))}
    alerts_by: dict[int, list[Alert]] = defaultdict(list)
    alerts = list(Alert.objects.filter(deployment__in=ids).select_related("entry", "adjudication", "engagement")
                  .only("deployment_id", "face_model_id", "similarity", "threshold", "captured_at", "status",
                        "entry__subject_reference", "entry__category_id", "adjudication__decision",
                        "engagement__outcome")
                  .order_by("captured_at", "id"))
    for alert in alerts:
        alerts_by[alert.deployment_id].append(alert)
    entry_ids = {a.entry_id for a in alerts}
    entry_bases: dict[int, list[str]] = defaultdict(list)
    for entry_id, code in (WatchlistEntry.legal_bases.through.objects.filter(watchlistentry_id__in=entry_ids)
                           .values_list("watchlistentry_id", "legalbasis__code").order_by("legalbasis__code")):
        entry_bases[entry_id].append(code)
    categories = {c.pk: c for c in WatchlistCategory.objects.filter(force__in=forces)}
    consulted: dict[int, list[str]] = defaultdict(list)
    for deployment_id, body in (Consultation.objects.filter(deployment__in=ids).order_by("body")
                                .values_list("deployment_id", "body").distinct()):
        consulted[deployment_id].append(body)

    facts = []
    for d in deployments:
        by_category = composition.get(d.pk, {})
        size = sum(by_category.values())
        seen = faces.get(d.pk, {})
        assessment = one(d, "assessment")
        rate = false_match_rate(algorithm=d.algorithm_version, threshold=d.threshold)
        expected_faces = assessment.expected_faces if assessment else None
        expected = ExpectedFalseAlerts(
            faces=expected_faces, watchlist_size=size, rate=rate,
            value=expected_faces * size * rate if expected_faces is not None and rate is not None else None,
            pairs=d.algorithm_version.calibration_pairs)
        faces_seen = seen.get("faces") or 0
        ended = d.ended_at if d.ended_at and d.ended_at <= as_of else None  # a stop recorded for later is not one yet
        days = policy.value("review.post_deployment_days", ended) if ended else None
        facts.append(DeploymentFacts(
            deployment=d, authorisations=list(d.authorisations.all()), assessment=assessment,
            review=one(d, "review"), watchlist=one(d, "watchlist"), size=size, by_category=by_category,
            faces=faces_seen, discarded=seen.get("discarded") or 0, alerts=alerts_by.get(d.pk, []),
            review_due_at=ended + timedelta(days=days) if days is not None else None,
            expected=expected, expected_for_faces_seen=faces_seen * size * rate if rate is not None else None,
            legal_bases=sorted(b.code for b in d.legal_bases.all()), counts=alert_counts(alerts_by.get(d.pk, [])),
            over=deployment_is_over(d, as_of), state=deployment_state(d, as_of), consulted=consulted.get(d.pk, []),
        ))

    # Audit events the report cites: everything recorded of its deployments (their decisions, watchlist entries,
    # deletions) and of each alert (its creation, adjudication, engagement, holds and deletion).
    auth_ids = [str(a.pk) for f in facts for a in f.authorisations]
    alert_ids = [str(a.pk) for a in alerts]
    listed_ids = [str(pk) for pk in WatchlistEntry.objects.filter(watchlist__deployment__in=ids)
                  .values_list("pk", flat=True)]
    hold_ids = [str(pk) for pk in LegalHold.objects.filter(alert__deployment__in=ids).values_list("pk", flat=True)]
    events: dict[tuple[str, str], list[EventRef]] = defaultdict(list)
    cited = AuditEvent.objects.filter(
        Q(object_type="deployments.deployment", object_id__in=[str(pk) for pk in ids])
        | Q(object_type="deployments.authorisation", object_id__in=auth_ids)
        | Q(object_type="deployments.watchlistentry", object_id__in=listed_ids)
        | Q(object_type="matching.alert", object_id__in=alert_ids)
        | Q(object_type="matching.legalhold", object_id__in=hold_ids)
    ).order_by("seq").values_list("seq", "action", "object_type", "object_id")
    for seq, action, object_type, object_id in cited:
        events[(object_type, object_id)].append(EventRef(seq, action))

    # Deletions are counted in the database (a force-year has tens of thousands); only late ones are read.
    deletions = Deletion.objects.filter(force__in=forces, due_at__gte=start, due_at__lt=end)
    late = Q(done_at__gt=F("due_at"))
    deletion_counts = {row["kind"]: {"done": row["done"], "late": row["late"]} for row in
                       deletions.values("kind").annotate(done=Count("id"), late=Count("id", filter=late))}
    searches = RfrSearch.objects.filter(force__in=forces, created_at__gte=start, created_at__lt=end)
    late_deletions = list(deletions.filter(late).values("kind", "force_id", "deployment_id", "object_type",
                                                        "object_id", "due_at", "done_at"))
    return Facts(
        forces=forces, start=start, end=end, as_of=as_of, policy=policy, deployments=facts, categories=categories,
        entry_bases=entry_bases, events=events, deletion_counts=deletion_counts, late_deletions=late_deletions,
        outstanding=outstanding_deletions(forces=forces, start=start, end=end, as_of=as_of, policy=policy),
        held_alerts=LegalHold.objects.filter(alert__deployment__force__in=forces, released_at__isnull=True)
        .values("alert").distinct().count(),
        documents=documents_in_force(forces=forces, at=min(end, as_of)),
        hygiene=watchlist_hygiene(deployments=ids, at_dates={d.pk: d.starts_at.date() for d in deployments}),
        rfr_searches=list(searches.values("pk", "created_at", "probe_source", "probe_deleted_at", "threshold",
                                          "face_model__algorithm_id", "scope")),
        national_searches_received=list(
            NationalSearchNotice.objects.filter(owning_force__in=forces, created_at__gte=start, created_at__lt=end)
            .values("search_id", "owning_force_id", "search__force_id", "candidates", "created_at")),
        rfr_candidates=list(RfrCandidate.objects.filter(search__in=searches).values("search_id", "status")),
        oifr_checks=list(OifrCheck.objects.filter(force__in=forces, created_at__gte=start, created_at__lt=end)
                         .values("pk", "created_at", "reason", "subject_category", "place_type", "matched_id",
                                 "threshold", "face_model__algorithm_id")),
        audits=audits_of(forces=forces, start=start, end=end),
        complaints=complaint_counts(forces=forces, start=start, end=end),
    )


def audits_of(*, forces, start: datetime, end: datetime) -> list[ForceAudit]:
    """The oversight body's audits of the forces that cover the period or were opened in it."""
    return list(ForceAudit.objects.filter(force__in=forces)
                .filter(Q(period_start__lt=end.date(), period_end__gte=start.date())
                        | Q(opened_at__gte=start, opened_at__lt=end))
                .select_related("force", "opened_by", "closed_by", "sampled_by")
                .prefetch_related("findings__created_by", "recommendations__finding",
                                  "recommendations__responses__responded_by")
                .order_by("opened_at", "id"))


def outstanding_deletions(*, forces, start: datetime, end: datetime, as_of: datetime,
                          policy: PolicyTimeline) -> list[dict]:
    """Biometric data that fell due for deletion in the period and was still held at `as_of` (rules 20-22)."""
    rows = []
    images = dict(WatchlistEntry.objects.filter(watchlist__deployment__force__in=forces).exclude(image="")
                  .values("watchlist__deployment_id").annotate(n=Count("id"))
                  .values_list("watchlist__deployment_id", "n"))
    templates = dict(WatchlistTemplate.objects.filter(deployment__force__in=forces).values("deployment_id")
                     .annotate(n=Count("id")).values_list("deployment_id", "n"))
    holding = Deployment.objects.filter(pk__in=set(images) | set(templates)).only(
        "force_id", "status", "ends_at", "ended_at")
    for d in holding:
        if not deployment_is_over(d, as_of):
            continue
        ended = deployment_end(d)
        due = ended + timedelta(hours=policy.value("retention.watchlist_template_hours", ended))
        if start <= due < end and due < as_of:
            rows.append({"kind": "watchlist_template", "force_id": d.force_id, "deployment_id": d.pk,
                         "object_type": "deployments.deployment", "object_id": d.pk, "due_at": due,
                         "items": images.get(d.pk) or templates.get(d.pk, 0)})
    # An external matcher's copy of the watchlist is deleted by the vendor, on the same deadline; without its
    # confirmation the copy counts as still held.
    packages = (VendorPackage.objects.filter(deployment__force__in=forces, deletion_confirmed_at__isnull=True)
                .select_related("deployment").only("pk", "deployment__force_id", "deployment__status",
                                                   "deployment__ends_at", "deployment__ended_at"))
    for package in packages:
        d = package.deployment
        if not deployment_is_over(d, as_of):
            continue
        ended = deployment_end(d)
        due = ended + timedelta(hours=policy.value("retention.watchlist_template_hours", ended))
        if start <= due < end and due < as_of:
            rows.append({"kind": "vendor_package", "force_id": d.force_id, "deployment_id": d.pk,
                         "object_type": "matching.vendorpackage", "object_id": package.pk, "due_at": due,
                         "items": 1})
    held = Exists(LegalHold.objects.filter(alert=OuterRef("pk"), released_at__isnull=True))
    alerts = (Alert.objects.filter(deployment__force__in=forces, media_deleted_at__isnull=True, created_at__lt=end)
              .filter(Q(embedding__isnull=False) | ~Q(crop="")).exclude(held)
              .values("pk", "created_at", "deployment_id", "deployment__force_id"))
    for a in alerts:
        due = a["created_at"] + timedelta(days=policy.value("retention.alert_image_days", a["created_at"]))
        if start <= due < end and due < as_of:
            rows.append({"kind": "alert_media", "force_id": a["deployment__force_id"], "deployment_id":
                         a["deployment_id"], "object_type": "matching.alert", "object_id": a["pk"], "due_at": due,
                         "items": 1})
    probes = (RfrSearch.objects.filter(force__in=forces, probe_deleted_at__isnull=True, created_at__lt=end)
              .exclude(probe="").values("pk", "created_at", "force_id", "deployment_id"))
    for s in probes:
        due = s["created_at"] + timedelta(days=policy.value("retention.rfr_probe_days", s["created_at"]))
        if start <= due < end and due < as_of:
            rows.append({"kind": "rfr_probe", "force_id": s["force_id"], "deployment_id": s["deployment_id"],
                         "object_type": "matching.rfrsearch", "object_id": s["pk"], "due_at": due, "items": 1})
    # Custody images of people never convicted: the period in force when the image entered the gallery, counted
    # from the day it was taken (else from that entry), as the retention run counts it.
    images = (CustodyImage.objects.filter(force__in=forces, unconvicted=True, deleted_at__isnull=True,
                                          created_at__lt=end)
              .values("pk", "created_at", "taken_on", "force_id"))
    for image in images:
        days = policy.value("retention.unconvicted_custody_image_days", image["created_at"])
        if days is None:
            continue
        due = custody_image_held_from(taken_on=image["taken_on"], created_at=image["created_at"]) + timedelta(days=days)
        # One that entered the gallery already past its period (taken long before) is counted from its entry:
        # it was not held before then.
        if start <= max(due, image["created_at"]) < end and due < as_of:
            rows.append({"kind": "custody_image", "force_id": image["force_id"], "deployment_id": None,
                         "object_type": "matching.custodyimage", "object_id": image["pk"], "due_at": due,
                         "items": 1})
    complaints = (Complaint.objects.filter(force__in=forces, closed_at__isnull=False, closed_at__lt=end,
                                           personal_data_deleted_at__isnull=True)
                  .values("pk", "closed_at", "force_id", "deployment_id"))
    for c in complaints:
        due = c["closed_at"] + timedelta(days=policy.value("complaints.personal_data_days", c["closed_at"]))
        if start <= due < end and due < as_of:
            rows.append({"kind": "complaint_personal", "force_id": c["force_id"], "deployment_id": c["deployment_id"],
                         "object_type": "complaints.complaint", "object_id": c["pk"], "due_at": due, "items": 1})
    return sorted(rows, key=lambda r: r["due_at"])


def documents_in_force(*, forces, at: datetime) -> dict[int, list[PolicyDocument]]:
    """Per force, the latest approved version of each kind of document at `at`, and each algorithm's bias test.

    The same choice as deployments.selectors.documents_in_force / bias_tests_in_force, for many forces at once.
    """
    chosen: dict[int, dict] = defaultdict(dict)
    docs = (PolicyDocument.objects.filter(force__in=forces, approved_on__lte=at.date())
            .select_related("algorithm_version").order_by("force_id", "kind", "algorithm_version_id", "-approved_on",
                                                          "-id"))
    for doc in docs:
        key = (doc.kind, doc.algorithm_version_id if doc.kind == DocumentKind.BIAS_TEST else None)
        chosen[doc.force_id].setdefault(key, doc)
    order = {kind: i for i, kind in enumerate(DocumentKind.values)}
    return {force_id: sorted(by_kind.values(), key=lambda d: (order[d.kind], d.title))
            for force_id, by_kind in chosen.items()}


AGE_BANDS = [(0, 1, "under 1 year"), (1, 3, "1 to 3 years"), (3, 5, "3 to 5 years"), (5, 10, "5 to 10 years"),
             (10, None, "over 10 years")]


def watchlist_hygiene(*, deployments: list[int], at_dates: dict[int, date]) -> dict:
    """Watchlist make-up across the deployments (rules 8, 9, 12-14): one pass over the entries' columns."""
    entries = (WatchlistEntry.objects.filter(watchlist__deployment__in=deployments)
               .values_list("watchlist__deployment_id", "category_id", "image_source_system", "image_date",
                            "under_18", "second_approver_id", "unconvicted", "deletion_status", "quality_check"))
    result = {"entries": 0, "by_category": defaultdict(int), "by_source": defaultdict(int), "under_18": 0,
              "under_18_second_approved": 0, "unconvicted": 0, "deletion_pending": 0, "deletion_granted": 0,
              "quality_failed": 0, "ages": {label: 0 for _, _, label in AGE_BANDS}, "oldest_years": None}
    oldest = 0.0
    for deployment_id, category_id, source, image_date, under_18, second, unconvicted, deletion, quality in entries:
        result["entries"] += 1
        result["by_category"][category_id] += 1
        result["by_source"][source] += 1
        result["under_18"] += under_18
        result["under_18_second_approved"] += bool(under_18 and second)
        result["unconvicted"] += unconvicted
        result["deletion_pending"] += deletion == DeletionStatus.PENDING
        result["deletion_granted"] += deletion == DeletionStatus.GRANTED
        result["quality_failed"] += quality != QualityCheck.PASSED
        years = (at_dates[deployment_id] - image_date).days / 365.25
        oldest = max(oldest, years)
        for low, high, label in AGE_BANDS:
            if years >= low and (high is None or years < high):
                result["ages"][label] += 1
                break
    result["oldest_years"] = round(oldest, 1) if result["entries"] else None
    result["by_category"] = dict(result["by_category"])
    result["by_source"] = dict(sorted(result["by_source"].items(), key=lambda kv: (-kv[1], kv[0])))
    return result
