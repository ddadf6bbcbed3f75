"""The demonstration's story is one an approver who knows the College of Policing APP could accept: each deployment
has its own case, no title names a weekday that is not the day it runs, every authorisation comes before its window,
every watchlist record says it is made up, and the missing-person search is its own case."""
from __future__ import annotations

from django.utils import timezone

from deployments.models import Authorisation, Deployment, WatchlistEntry
from oversight.demo import story

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def test_the_demo_story_is_consistent(demo):  # the story as `manage.py demo` left it (tests/demo/conftest.py)
    deployments = list(Deployment.objects.all())
    assert len(deployments) == len(story.CASES) == 6

    for field in ("policing_objective", "intelligence_case", "location_justification", "public_notice_plan"):
        texts = [getattr(d, field) for d in deployments]
        assert len(set(texts)) == len(texts), f"two deployments share their {field}"

    for deployment in deployments:
        day = timezone.localtime(deployment.starts_at).strftime("%A")
        named = [w for w in WEEKDAYS if w in deployment.title]
        assert named in ([], [day]), (deployment.title, day)

    for auth in Authorisation.objects.filter(decision=Authorisation.Decision.AUTHORISED).select_related("deployment"):
        assert auth.decided_at <= auth.deployment.starts_at, auth.deployment.title

    assert all("made-up record" in e.justification for e in WatchlistEntry.objects.all())

    missing = Deployment.objects.get(title=story.URGENT_TITLE)
    assert {e.category.code for e in WatchlistEntry.objects.filter(watchlist__deployment=missing)} <= {
        "missing-at-risk"} or not WatchlistEntry.objects.filter(category__code="missing-at-risk").exists()
    assert missing.assessment.legitimate_aim.code == "HRA-A8-2-SAFETY"
    assert "two days before" not in missing.public_notice_plan and "missing" in missing.policing_objective
