"""`manage.py rules list` prints every rule with its source and the policy settings it reads."""
from io import StringIO

from django.core.management import call_command

from deployments.rules import RULES

EXPECTED = ["R01-written-authorisation", "R02-authorising-rank", "R02-urgent-review", "R03-authorised-window",
            "R04-public-notice", "R05-documents-in-force", "R06-threshold-floor", "R07-covert-refused",
            "R08-closed-category", "R09-entry-provenance", "R10-watchlist-review", "R11-expected-false-alerts",
            "R12-under-18", "R13-deletion-granted", "R13-unconvicted-image", "R14-image-age",
            "R23-post-deployment-review", "R23-review-overdue", "R25-document-review-overdue"]


def test_every_rule_of_sections_1_to_14_23_and_25_is_defined_once_and_listed():
    assert list(RULES) == EXPECTED
    out = StringIO()
    call_command("rules", "list", stdout=out)
    text = out.getvalue()
    for rule in RULES.values():
        assert rule.id in text and rule.source in text
        for key in rule.policy_keys:
            assert key in text
    assert "matching.threshold_floor" in text and "lfr.urgent_review_hours" in text


def test_every_policy_key_a_rule_reads_is_a_defined_setting():
    from oversight.policy import DEFINITIONS

    for rule in RULES.values():
        assert set(rule.policy_keys) <= set(DEFINITIONS), rule.id
