"""The regulator report (domain.md section 4): built once, as plain data, for both the HTML page and the PDF.

    regulator_report(*, forces, start, end, checkpoint, as_of=None, all_forces=False, progress=None)
        -> RegulatorReport

`start` and `end` are dates (the period, end inclusive); `checkpoint` is the signed checkpoint of the audit log
the report is built from; it ends with that checkpoint verified and inclusion proofs of the events it cites.
Every number is computed here from `period.load` (a fixed number of queries) and nothing else.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Callable

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from deployments.complaints.selectors import OUTCOME_LABELS
from deployments.models import Authorisation, DocumentKind, Status
from deployments.rules import RULES
from matching.models import (
    CandidateStatus, DeletionKind, OifrCheck, OifrReason, OifrSubjectCategory, Outcome, PRIVATE_PLACES, ProbeSource,
    RfrSearch, SearchScope,
)
from oversight import charts
from oversight.models import AuditEvent, Checkpoint, Force, Rank
from oversight.reports import exceptions as exc
from oversight.reports.models import ForceAudit
from oversight.reports.period import STATES, Facts, bounds, load, one
from oversight.reports.proof import audit_log_proof

Progress = Callable[[int, str], None]
AUDIT_OBJECT_TYPES = ("reports.forceaudit", "reports.auditfinding", "reports.auditrecommendation",
                      "reports.recommendationresponse")


# --- Links --------------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _pattern(name: str) -> str:
    return reverse(name, args=[987654321]).replace("987654321", "{}")


def link(name: str, pk) -> str:
    """The page of a record (reverse() once per name, not once per row)."""
    return _pattern(name).format(pk)


@lru_cache(maxsize=None)
def legal_basis_link(code: str) -> str:
    return f"{reverse('legal-basis-list')}#{code}"


def event_link(seq: int | None) -> str:
    return link("audit-event", seq) if seq is not None else ""


# --- The report ---------------------------------------------------------------------------------------------
@dataclass
class RegulatorReport:
    forces: list[Force]
    all_forces: bool
    start: date
    end: date
    generated_at: datetime
    checkpoint: Checkpoint
    capabilities: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    reviews_overdue: list[dict] = field(default_factory=list)
    deployments: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    chains: list[dict] = field(default_factory=list)
    hygiene: dict = field(default_factory=dict)
    false_alerts: dict = field(default_factory=dict)
    retention: dict = field(default_factory=dict)
    rfr: dict = field(default_factory=dict)
    oifr: dict = field(default_factory=dict)
    complaints: dict = field(default_factory=dict)
    exceptions: list[exc.ReportException] = field(default_factory=list)
    exception_counts: dict = field(default_factory=dict)
    audits: list[dict] = field(default_factory=list)
    proof: dict = field(default_factory=dict)
    charts: dict[str, SafeString] = field(default_factory=dict)

    @property
    def title(self) -> str:
        who = "All forces" if self.all_forces else ", ".join(f.name for f in self.forces)
        return f"Regulator report: {who}, {self.start:%d %B %Y} to {self.end:%d %B %Y}"

    @property
    def alert_count(self) -> int:
        return sum(len(c["alerts"]) for c in self.chains)

    @property
    def exception_table(self) -> list[dict]:
        return [{"code": code, "title": kind.title, "rule": kind.rule, "count": self.exception_counts.get(code, 0)}
                for code, kind in exc.KINDS.items()]

    @property
    def open_exceptions(self) -> int:
        return sum(e.count for e in self.exceptions if e.open)


def regulator_report(*, forces, start: date, end: date, checkpoint: Checkpoint, as_of: datetime | None = None,
                     all_forces: bool = False, progress: Progress | None = None) -> RegulatorReport:
    step = progress or (lambda percent, text: None)
    forces = list(forces)
    as_of = as_of or timezone.now()
    begin, finish = bounds(start, end)
    step(10, "Reading deployments, alerts and retention records")
    facts = load(forces=forces, start=begin, end=finish, as_of=as_of)
    audits = facts.audits
    report = RegulatorReport(forces=forces, all_forces=all_forces, start=start, end=end, generated_at=as_of,
                             checkpoint=checkpoint)
    step(25, "Counting alerts, outcomes and false alerts")
    views = {a.pk: _authorisation_view(a, facts) for df in facts.deployments for a in df.authorisations}
    report.deployments = [_deployment_row(df, facts, views) for df in facts.deployments]
    report.totals = _totals(report.deployments, facts)
    report.chains = _chains(facts, views)
    report.hygiene = _hygiene(facts)
    report.false_alerts = _false_alerts(report.deployments)
    report.retention = _retention(facts)
    report.rfr, report.oifr = _rfr(facts), _oifr(facts)
    report.complaints = _complaints(facts)
    report.capabilities = _capabilities(facts, report)
    report.documents = _documents(facts)
    report.reviews_overdue = [row for row in report.deployments if row["review"]["state"] == "overdue"]
    report.audits = [_audit_view(a, as_of) for a in audits]
    step(35, "Listing every exception")
    report.exceptions = exc.from_facts(facts, audits=audits)
    report.exception_counts = exc.count_by_kind(report.exceptions)
    report.charts = _charts(report, facts)
    step(45, "Verifying the audit log and proving the events this report cites")
    report.proof = audit_log_proof(checkpoint=checkpoint, cited_seqs=_cited(facts, audits))
    return report


# --- Sections ---------------------------------------------------------------------------------------------
def _rules_summary(rule_results: list[dict]) -> dict:
    counts = Counter(r.get("status") for r in rule_results or [])
    return {
        "met": counts.get("met", 0),
        "not_applicable": counts.get("not_applicable", 0),
        "warnings": [{"rule": r["rule"], "title": RULES[r["rule"]].title if r["rule"] in RULES else r.get("title")}
                     for r in rule_results or [] if r.get("status") == "warning"],
        "blocking": [{"rule": r["rule"], "title": RULES[r["rule"]].title if r["rule"] in RULES else r.get("title")}
                     for r in rule_results or [] if r.get("status") == "blocking"],
    }


def _doc_view(doc) -> dict | None:
    if doc is None:
        return None
    return {"pk": doc.pk, "kind": doc.get_kind_display(), "title": doc.title, "version": doc.version,
            "approved_on": doc.approved_on, "next_review_on": doc.next_review_on,
            "url": link("record-policy-document", doc.pk)}


def _person(user, rank: int | None = None) -> str:
    if user is None:
        return "the platform"
    name = user.get_full_name() or user.username
    label = Rank(rank).label if rank else (user.get_rank_display() if user.rank else "")
    return f"{label} {name}".strip()


def _authorisation_view(auth: Authorisation, facts: Facts) -> dict:
    events = facts.events_of("deployments.authorisation", auth.pk)
    decided = next((e for e in events if e.action == "authorisation.decide"), None)
    reviewed = [e for e in events if e.action == "authorisation.urgent_review"]
    return {
        "pk": auth.pk, "url": link("record-authorisation", auth.pk), "kind": auth.get_kind_display(),
        "decision": auth.get_decision_display(), "authorised": auth.decision == Authorisation.Decision.AUTHORISED,
        "approver": _person(auth.approver, auth.approver_rank), "rank": auth.get_approver_rank_display() or "",
        "decided_at": auth.decided_at, "urgent": auth.urgent,
        "urgent_review": auth.get_urgent_review_display() if auth.urgent else "",
        "urgent_review_due_at": auth.urgent_review_due_at, "urgent_reviewed_at": auth.urgent_reviewed_at,
        "urgent_reviewer": _person(auth.urgent_reviewed_by, auth.urgent_reviewer_rank)
        if auth.urgent_reviewed_by_id else "",
        "starts_at": auth.starts_at, "ends_at": auth.ends_at, "threshold": auth.threshold,
        "watchlist_size": auth.watchlist_size, "expected_false_alerts": auth.expected_false_alerts,
        "rules": _rules_summary(auth.rule_results),
        "policy_versions": sorted(f"{s.key} v{s.version}" for s in auth.policy_settings.all()),
        "documents": [d for d in (_doc_view(auth.dpia), _doc_view(auth.apd), _doc_view(auth.eqia),
                                  _doc_view(auth.bias_test)) if d],
        "event_seq": decided.seq if decided else None, "event_url": event_link(decided.seq if decided else None),
        "review_event_seqs": [e.seq for e in reviewed],
    }


def _review_state(df, as_of: datetime) -> dict:
    d, review = df.deployment, df.review
    if review is not None:
        late = review.reviewed_at > review.due_at
        return {"state": "late" if late else "reviewed", "label": "Reviewed late" if late else "Reviewed",
                "reviewed_at": review.reviewed_at, "due_at": review.due_at, "false_alerts": review.false_alerts,
                "url": link("record-review", review.pk)}
    if df.review_due_at is None:
        label = "Refused: no review" if d.status == Status.REFUSED else "Not ended"
        return {"state": "not_due", "label": label, "reviewed_at": None, "due_at": None, "url": ""}
    overdue = df.review_due_at < as_of
    return {"state": "overdue" if overdue else "due", "label": "Overdue" if overdue else "Due",
            "reviewed_at": None, "due_at": df.review_due_at, "url": ""}


def _rate(numerator, denominator) -> float | None:
    return numerator / denominator if denominator else None


def _deployment_row(df, facts: Facts, views: dict[int, dict]) -> dict:
    d = df.deployment
    counts = df.counts
    current = next((a for a in reversed(df.authorisations) if a.decision == Authorisation.Decision.AUTHORISED), None)
    return {
        "pk": d.pk, "url": link("deployment-detail", d.pk), "title": d.title, "force": d.force,
        "status": d.get_status_display(), "state": df.state, "state_label": STATES[df.state],
        "starts_at": d.starts_at, "ends_at": d.ends_at,
        "location": d.location_name, "location_justification": d.location_justification,
        "objective": d.policing_objective,
        "notice": (f"Critical-threat exemption: {d.critical_threat_reason}" if d.critical_threat_exemption
                   else d.public_notice_plan),
        "exemption": d.critical_threat_exemption, "threshold": d.threshold, "algorithm": d.algorithm_version.code,
        "legal_bases": df.legal_bases,
        "authorisations": [views[a.pk] for a in df.authorisations],
        "size": df.size, "size_at_authorisation": current.watchlist_size if current else None,
        "by_category": [{"code": facts.categories[c].code, "name": facts.categories[c].name, "count": n}
                        for c, n in sorted(df.by_category.items(),
                                           key=lambda kv: (facts.categories[kv[0]].position, facts.categories[kv[0]].code))],
        "faces": df.faces, "discarded": df.discarded, **counts,
        "outcomes_shown": [(Outcome(o).label, n) for o, n in counts["outcomes"].items() if n],
        "review": _review_state(df, facts.as_of),
        "expected": df.expected, "expected_for_faces_seen": df.expected_for_faces_seen,
        "false_per_face": _rate(counts["false_alerts"], df.faces),
        "false_per_alert": _rate(counts["false_alerts"], counts["alerts"]),
        "expected_per_face": (df.size * df.expected.rate) if df.expected.rate is not None else None,
    }


def _totals(rows: list[dict], facts: Facts) -> dict:
    keys = ["faces", "alerts", "true_matches", "false_alerts", "inconclusive", "undecided", "engagements", "arrests"]
    totals = {key: sum(row[key] for row in rows) for key in keys}
    totals["deployments"] = len(rows)
    totals["watchlist_entries"] = sum(row["size"] for row in rows)
    totals["urgent_authorisations"] = sum(1 for row in rows for a in row["authorisations"] if a["urgent"])
    totals["refused"] = sum(1 for row in rows if row["authorisations"] and not row["authorisations"][-1]["authorised"])
    outcomes = Counter()
    for row in rows:
        outcomes.update(row["outcomes"])
    totals["outcomes"] = {o.value: outcomes.get(o.value, 0) for o in Outcome}
    totals["outcomes_shown"] = [(o.label, outcomes.get(o.value, 0)) for o in Outcome]
    return totals


def _chains(facts: Facts, views: dict[int, dict]) -> list[dict]:
    """For every alert: alert → entry → category → legal bases → deployment → authorisation → assessment → documents."""
    groups = []
    for df in facts.deployments:
        d = df.deployment
        if not df.alerts:
            continue
        auth_views = {a.pk: views[a.pk] for a in df.authorisations}
        assessment = df.assessment
        assessment_view = None if assessment is None else {
            "pk": assessment.pk, "url": link("record-assessment", assessment.pk),
            "decision": assessment.get_decision_display() or "Not decided",
            "aim": assessment.legitimate_aim.code, "aim_url": legal_basis_link(assessment.legitimate_aim.code),
            "decided_by": _person(assessment.decided_by), "decided_at": assessment.decided_at,
            "expected_faces": assessment.expected_faces,
        }
        rows = []
        for alert in df.alerts:
            auth = df.authorisation_at(alert.captured_at)
            adjudication, engagement = one(alert, "adjudication"), one(alert, "engagement")
            entry, category = alert.entry, facts.categories.get(alert.entry.category_id)
            raised = next((e.seq for e in facts.events_of("matching.alert", alert.pk) if e.action == "alert.raise"),
                          None)
            rows.append({
                "pk": alert.pk, "url": link("record-alert", alert.pk), "captured_at": alert.captured_at,
                "similarity": alert.similarity, "threshold": alert.threshold,
                "event_seq": raised, "event_url": event_link(raised),
                "entry": {"pk": entry.pk, "reference": entry.subject_reference,
                          "url": link("record-watchlist-entry", entry.pk)},
                "category": {"code": category.code if category else "", "name": category.name if category else "",
                             "url": link("record-watchlist-category", entry.category_id)},
                "legal_bases": [{"code": code, "url": legal_basis_link(code)}
                                for code in facts.entry_bases.get(entry.pk, [])],
                "authorisation": auth_views.get(auth.pk) if auth else None,
                "decision": adjudication.get_decision_display() if adjudication else "Undecided",
                "decided": adjudication is not None,
                "outcome": engagement.get_outcome_display() if engagement else "",
            })
        groups.append({"deployment": {"pk": d.pk, "title": d.title, "url": link("deployment-detail", d.pk),
                                      "force": d.force.name, "legal_bases": df.legal_bases},
                        "authorisations": list(auth_views.values()), "assessment": assessment_view, "alerts": rows})
    return groups


def _hygiene(facts: Facts) -> dict:
    h = facts.hygiene
    by_category = defaultdict(int)
    for category_id, n in h["by_category"].items():
        category = facts.categories.get(category_id)
        by_category[(category.position, category.code, category.name) if category else (99, "?", "?")] += n
    return {**h, "by_category": [{"code": code, "name": name, "count": n}
                                 for (_, code, name), n in sorted(by_category.items())],
            "by_source": [{"source": s, "count": n} for s, n in h["by_source"].items()],
            "ages": [{"band": band, "count": n} for band, n in h["ages"].items()]}


def _false_alerts(rows: list[dict]) -> dict:
    faces = sum(r["faces"] for r in rows)
    alerts = sum(r["alerts"] for r in rows)
    false = sum(r["false_alerts"] for r in rows)
    expected = [r["expected_for_faces_seen"] for r in rows if r["expected_for_faces_seen"] is not None]
    return {"faces": faces, "alerts": alerts, "false_alerts": false, "per_face": _rate(false, faces),
            "per_alert": _rate(false, alerts), "expected_for_faces_seen": sum(expected) if expected else None,
            "uncomputable": sum(1 for r in rows if r["expected_for_faces_seen"] is None)}


def _retention(facts: Facts) -> dict:
    kinds = facts.deletions()
    for kind, row in kinds.items():
        row["label"] = DeletionKind(kind).label
    total = {key: sum(row[key] for row in kinds.values()) for key in ("due", "done", "on_time", "late", "outstanding")}
    return {"kinds": kinds, "total": total, "held_alerts": facts.held_alerts}


def _rfr(facts: Facts) -> dict:
    searches, candidates = facts.rfr_searches, facts.rfr_candidates
    sources = Counter(row["probe_source"] for row in searches)
    statuses = Counter(row["status"] for row in candidates)
    return {"searches": len(searches),
            "national": sum(1 for row in searches if row["scope"] == SearchScope.NATIONAL),
            # Other forces' national searches that found these forces' custody images (a search counted once).
            "national_received": len({row["search_id"] for row in facts.national_searches_received}),
            "by_source": [(label, sources.get(value, 0)) for value, label in ProbeSource.choices],
            "probes_deleted": sum(1 for row in searches if row["probe_deleted_at"] is not None),
            "returned": len(candidates), "corroborated": statuses.get(CandidateStatus.CORROBORATED, 0),
            "rejected": statuses.get(CandidateStatus.REJECTED, 0),
            "unreviewed": statuses.get(CandidateStatus.UNREVIEWED, 0)}


def _complaints(facts: Facts) -> dict:
    """Complaints from the public received in the period, by force and by outcome (open ones as such)."""
    counts = facts.complaints
    columns = [(key, OUTCOME_LABELS[key]) for key in counts["by_outcome"]]
    names = {force.pk: force.name for force in facts.forces}
    by_force = [{"force": names[pk], "counts": [row[key] for key, _ in columns], "received": sum(row.values())}
                for pk, row in sorted(counts["by_force"].items(), key=lambda item: names[item[0]])]
    return {"received": counts["received"], "by_outcome": dict(counts["by_outcome"]), "columns": columns,
            "by_force": by_force, "totals": [counts["by_outcome"][key] for key, _ in columns]}


def _oifr(facts: Facts) -> dict:
    checks = facts.oifr_checks
    reasons = Counter(row["reason"] for row in checks)
    subjects = Counter(row["subject_category"] for row in checks)
    return {"checks": len(checks), "matched": sum(1 for row in checks if row["matched_id"] is not None),
            "private_places": sum(1 for row in checks if row["place_type"] in PRIVATE_PLACES),
            "by_reason": [(label, reasons.get(value, 0)) for value, label in OifrReason.choices],
            "by_subject": [(label, subjects.get(value, 0)) for value, label in OifrSubjectCategory.choices]}


def _capabilities(facts: Facts, report: RegulatorReport) -> list[dict]:
    """Which algorithms were used, at which thresholds, under which floor, with which bias-test evidence."""
    from deployments.models import AlgorithmVersion
    from matching.models import FaceModel

    at = min(facts.end, facts.as_of)
    floors = facts.policy.value("matching.threshold_floor", at, {}) or {}
    uses: dict[int, dict] = defaultdict(lambda: {"deployments": 0, "face_models": set(), "rfr": 0, "oifr": 0,
                                                 "thresholds": {"lfr": set(), "rfr": set(), "oifr": set()}})
    for df in facts.deployments:
        use = uses[df.deployment.algorithm_version_id]
        use["deployments"] += 1
        use["thresholds"]["lfr"].add(df.deployment.threshold)
    model_ids = {a.face_model_id for a in facts.alerts}
    for model in FaceModel.objects.filter(pk__in=model_ids):
        uses[model.algorithm_id]["face_models"].add(f"{model.name} {model.version} ({model.onnx_sha256[:12]})")
    begin, finish = facts.start, facts.end
    for kind, qs in (("rfr", RfrSearch.objects), ("oifr", OifrCheck.objects)):
        rows = (qs.filter(force__in=facts.forces, created_at__gte=begin, created_at__lt=finish)
                .values("face_model__algorithm_id", "face_model__name", "face_model__version",
                        "face_model__onnx_sha256", "threshold").annotate(n=Count("id")))
        for row in rows:
            use = uses[row["face_model__algorithm_id"]]
            use[kind] += row["n"]
            use["thresholds"][kind].add(row["threshold"])
            use["face_models"].add(f"{row['face_model__name']} {row['face_model__version']} "
                                   f"({row['face_model__onnx_sha256'][:12]})")
    tests = defaultdict(list)
    for force_id, docs in facts.documents.items():
        for doc in docs:
            if doc.kind == DocumentKind.BIAS_TEST:
                tests[doc.algorithm_version_id].append((force_id, doc))
    names = {f.pk: f.name for f in facts.forces}
    result = []
    for algorithm in AlgorithmVersion.objects.filter(pk__in=uses).order_by("code"):
        use = uses[algorithm.pk]
        result.append({
            "code": algorithm.code, "vendor": algorithm.vendor, "name": algorithm.name, "version": algorithm.version,
            "calibration_source": algorithm.calibration_source, "deployments": use["deployments"],
            "rfr": use["rfr"], "oifr": use["oifr"], "thresholds": [(label, sorted(round(t, 4) for t in use["thresholds"][kind]))
                           for kind, label in (("lfr", "LFR"), ("rfr", "RFR"), ("oifr", "OIFR"))
                           if use["thresholds"][kind]],
            "floor": floors.get(algorithm.code), "face_models": sorted(use["face_models"]),
            "bias_tests": [{"force": names.get(force_id, ""), "title": doc.title, "version": doc.version,
                            "range": (doc.threshold_min, doc.threshold_max),
                            "no_difference_from": doc.no_difference_from, "approved_on": doc.approved_on,
                            "next_review_on": doc.next_review_on, "url": link("record-policy-document", doc.pk),
                            "overdue": doc.next_review_on < facts.as_of.date()}
                           for force_id, doc in tests.get(algorithm.pk, [])],
        })
    return result


def _documents(facts: Facts) -> list[dict]:
    today = facts.as_of.date()
    return [{"force": force, "documents": [{**_doc_view(doc), "overdue": doc.next_review_on < today,
                                            "published": doc.published}
                                           for doc in facts.documents.get(force.pk, [])]}
            for force in facts.forces]


def _audit_view(audit: ForceAudit, as_of: datetime) -> dict:
    from oversight.reports.audits import linked_url

    return {
        "audit": audit, "url": reverse("force-audit-detail", args=[audit.pk]),
        "sample": audit.sample or {},
        "findings": [{"finding": f, "linked_url": linked_url(f.linked_kind, f.linked_id)}
                     for f in audit.findings.all()],
        "recommendations": [{"recommendation": r, "responses": list(r.responses.all()),
                             "overdue": r.deadline < as_of.date() and not r.responses.all()}
                            for r in audit.recommendations.all()],
    }


def _cited(facts: Facts, audits: list[ForceAudit]) -> list[int]:
    """The events whose inclusion the report proves: every event it draws on (deployments, their decisions,
    watchlist entries, alerts and what happened to each, deletions) and its audits' records. Not a sample."""
    seqs = [e.seq for refs in facts.events.values() for e in refs]
    ids = {"reports.forceaudit": [str(a.pk) for a in audits],
           "reports.auditfinding": [str(f.pk) for a in audits for f in a.findings.all()],
           "reports.auditrecommendation": [str(r.pk) for a in audits for r in a.recommendations.all()],
           "reports.recommendationresponse": [str(x.pk) for a in audits for r in a.recommendations.all()
                                              for x in r.responses.all()]}
    query = Q(pk__in=[])
    for object_type, object_ids in ids.items():
        if object_ids:
            query |= Q(object_type=object_type, object_id__in=object_ids)
    seqs += list(AuditEvent.objects.filter(query).values_list("seq", flat=True))
    return sorted(set(seqs))


def _charts(report: RegulatorReport, facts: Facts) -> dict[str, SafeString]:
    months: dict[str, int] = {}
    cursor = date(report.start.year, report.start.month, 1)
    while cursor <= report.end:
        months[f"{cursor:%b %Y}"] = 0
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    for alert in facts.alerts:
        label = f"{timezone.localtime(alert.captured_at):%b %Y}"
        if label in months:
            months[label] += 1
    fa = report.false_alerts
    expected = fa["expected_for_faces_seen"] or 0
    return {
        "alerts_by_month": charts.bar_chart(list(months.items()), title="Alerts by month", unit="alerts",
                                            label_header="Month"),
        "false_alerts": charts.bar_chart(
            [("Actual", fa["false_alerts"]), ("Expected", round(expected, 3))],
            title="False alerts: actual against expected for the faces seen, watchlist sizes and thresholds",
            unit="false alerts", label_header="False alerts"),
        "exceptions": charts.bar_chart(
            [(code, n) for code, n in report.exception_counts.items() if n],
            title="Exceptions by kind", unit="items", label_header="Kind", width=720),
    }
