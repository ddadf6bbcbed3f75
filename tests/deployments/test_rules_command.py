"""`manage.py rules list` prints every rule of the rulebook, R01 to R25, with its stages, source and settings."""
from io import StringIO

from django.core.management import call_command

from deployments.rules import RULES

EXPECTED = ["R01-written-authorisation", "R02-authorising-rank", "R02-urgent-review", "R03-authorised-window",
            "R04-public-notice", "R05-documents-in-force", "R06-threshold-floor", "R07-covert-refused",
            "R08-closed-category", "R09-entry-provenance", "R10-watchlist-review", "R11-expected-false-alerts",
            "R12-under-18", "R13-deletion-granted", "R13-unconvicted-image", "R14-image-age",
            "R15-human-adjudication", "R16-alert-record", "R16-authorised-package", "R17-no-template-kept",
            "R18-oifr-record", "R19-national-search", "R19-rfr-record", "R20-watchlist-deletion",
            "R21-alert-media-deletion", "R22-deletion-audited", "R23-post-deployment-review", "R23-review-overdue",
            "R24-audit-log-intact", "R25-document-review-overdue"]


def test_every_rule_from_1_to_25_is_defined_once_and_listed_with_its_stages_settings_and_source():
    assert sorted(RULES) == EXPECTED
    assert {int(rule_id[1:3]) for rule_id in RULES} == set(range(1, 26))
    out = StringIO()
    call_command("rules", "list", stdout=out)
    text = out.getvalue()
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("R")]
    assert listed == EXPECTED
    for rule in RULES.values():
        block = text[text.index(rule.id):]
        block = block[:block.index("\nR", 1)] if "\nR" in block[1:] else block
        assert rule.source in block and f"stages:   {', '.join(rule.stages)}" in block
        for key in rule.policy_keys:
            assert key in block
    assert "matching.threshold_floor" in text and "lfr.urgent_review_hours" in text and "rfr.threshold" in text


def test_the_matchers_rules_run_at_the_matchers_stages():
    from deployments.rules import STAGES
    from matching import rules as matching_rules

    for stage in ("adjudication", "rfr", "oifr", "legal_hold", "retention", "report"):
        assert stage in STAGES
    assert "matching" in RULES["R16-alert-record"].stages
    assert RULES["R24-audit-log-intact"].stages == (matching_rules.REPORT,)
    assert RULES["R19-rfr-record"].policy_keys[0] == "rfr.threshold"


def test_every_policy_key_a_rule_reads_is_a_defined_setting():
    from oversight.policy import DEFINITIONS

    for rule in RULES.values():
        assert set(rule.policy_keys) <= set(DEFINITIONS), rule.id
