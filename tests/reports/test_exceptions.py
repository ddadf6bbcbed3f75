"""Every exception of the period is found, once, under a stable kind, and marked open while it needs action."""
from __future__ import annotations

from datetime import timedelta

from deployments.models import Authorisation
from oversight.reports import exceptions as exc
from oversight.reports.period import bounds, load


def _found(world, **kwargs):
    begin, finish = bounds(world.start, world.end)
    facts = load(forces=world.forces, start=begin, end=finish, as_of=kwargs.pop("as_of", world.as_of))
    return exc.from_facts(facts, **kwargs)


def test_the_kinds_are_stable():
    assert list(exc.KINDS) == [
        "rule.overridden", "rule.broken", "rule.warning", "urgent_review.late", "urgent_review.lapsed",
        "urgent_review.overdue", "alert.unadjudicated", "alert.outside_authorisation", "deletion.late",
        "deletion.overdue", "document.review_overdue", "post_review.overdue", "post_review.late",
        "recommendation.overdue",
    ]


def test_it_finds_every_exception_of_the_known_world(world):
    found = _found(world)
    counts = exc.count_by_kind(found)
    assert counts["alert.unadjudicated"] == 1
    assert counts["urgent_review.lapsed"] == 1
    assert counts["rule.broken"] == 1
    assert counts["deletion.late"] == 3  # three alert images, one exception row counting three items
    assert counts["deletion.overdue"] == 1
    assert counts["document.review_overdue"] == 1
    assert counts["post_review.overdue"] == 2  # the live deployment and the one stopped when its urgent review lapsed
    assert counts["rule.overridden"] == counts["urgent_review.late"] == counts["alert.outside_authorisation"] == 0
    unadjudicated = next(e for e in found if e.kind == "alert.unadjudicated")
    assert unadjudicated.object_id == str(world.alerts["undecided"].pk) and unadjudicated.open
    broken = next(e for e in found if e.kind == "rule.broken")
    assert "R02-authorising-rank" in broken.rules and broken.deployment_id == world.refused.pk and not broken.open
    document = next(e for e in found if e.kind == "document.review_overdue")
    assert document.force_id == world.personas.force_b.pk and document.open
    lapsed = next(e for e in found if e.kind == "urgent_review.lapsed")
    assert lapsed.deployment_id == world.urgent.pk


def test_what_is_no_longer_due_is_not_open(world):
    found = _found(world, as_of=world.as_of - timedelta(hours=2) + timedelta(minutes=1))
    counts = exc.count_by_kind(found)
    assert counts["deletion.overdue"] == 0  # the last alert image is not yet due a minute on
    assert counts["post_review.overdue"] == 0


def test_a_late_urgent_review_and_an_override_are_exceptions(world):
    # Neither can happen through the services (they refuse); a record changed behind them must still show.
    auth = world.live.authorisations.get()
    Authorisation.objects.filter(pk=auth.pk).update(
        urgent=True, urgent_review="confirmed", urgent_review_due_at=auth.decided_at + timedelta(hours=24),
        urgent_reviewed_at=auth.decided_at + timedelta(hours=30),
        rule_results=auth.rule_results + [{"rule": "R05-documents-in-force", "status": "blocking", "messages": []}])
    counts = exc.count_by_kind(_found(world))
    assert counts["urgent_review.late"] == 1
    assert counts["rule.overridden"] == 1


def test_an_overdue_recommendation_without_a_response_is_open(world):
    from oversight.reports import audits
    from oversight.reports.models import AuditRecommendation

    rec = audits.audit_recommendation_add(actor=world.personas.auditor, audit=world.audit,
                                          text="Review the retention schedule of alert images.",
                                          deadline=world.start + timedelta(days=8))
    AuditRecommendation.objects.filter(pk=rec.pk).update(deadline=world.start)
    world.audit.refresh_from_db()
    found = _found(world, audits=[world.audit])
    overdue = [e for e in found if e.kind == "recommendation.overdue"]
    assert [e.object_id for e in overdue] == [str(rec.pk)] and overdue[0].open
