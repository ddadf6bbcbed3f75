"""Expected false alerts = expected faces × watchlist size × per-comparison false-match rate at the threshold."""
from __future__ import annotations

import math

import pytest

from deployments import selectors, services
from deployments.models import AlgorithmVersion
from tests.deployments.helpers import REASONS


@pytest.fixture
def nec(db):
    return AlgorithmVersion.objects.get(code="nec-neoface-v4")


def test_the_seeded_nec_calibration_reproduces_the_npl_2023_figures(nec):
    rate = selectors.false_match_rate(algorithm=nec, threshold=0.6)
    assert 1 / (rate * 10_000) == pytest.approx(6_000, rel=0.05)   # 1 in 6,000 passers-by, 10,000 images
    assert 1 / (rate * 1_000) == pytest.approx(60_000, rel=0.05)   # 1 in 60,000 with 1,000 images


def test_it_interpolates_the_calibration_in_log_space(nec):
    low, high = (selectors.false_match_rate(algorithm=nec, threshold=t) for t in (0.60, 0.62))
    middle = selectors.false_match_rate(algorithm=nec, threshold=0.61)
    assert middle == pytest.approx(math.sqrt(low * high))


def test_outside_the_table_it_answers_honestly(nec):
    assert selectors.false_match_rate(algorithm=nec, threshold=0.5) is None
    top = nec.calibration[-1][1]
    assert selectors.false_match_rate(algorithm=nec, threshold=0.9) == top


def test_the_authorisation_records_the_expectation_for_the_watchlist_size(personas, submitted, nec):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    rate = selectors.false_match_rate(algorithm=nec, threshold=0.64)
    assert auth.watchlist_size == 3
    assert auth.expected_false_alerts == pytest.approx(5000 * 3 * rate)


def test_a_bad_calibration_table_is_refused(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        services.algorithm_version_create(actor=personas.oversight_admin, code="bad-v1", vendor="x", name="x",
                                          version="1", calibration=[[0.6, 1e-8], [0.5, 1e-6]])
    assert "calibration" in info.value.message_dict


def test_the_estimate_carries_the_evaluations_uncertainty_and_says_when_it_is_extrapolated(personas, submitted):
    """The platform's matcher was calibrated on 50,842 impostor pairs: at 0.94 (a measured rate) the approver
    reads a 95% range; at 0.96 the rate is below one in 50,842, and the page says the estimate is extrapolated."""
    from django.test import Client

    dlib = AlgorithmVersion.objects.get(code="dlib-resnet-v1")
    assert dlib.calibration_pairs == 50_842
    submitted.algorithm_version = dlib
    client = Client()
    client.force_login(personas.approver_a)

    submitted.threshold = 0.94
    submitted.save(update_fields=["algorithm_version", "threshold"])
    measured = selectors.expected_false_alerts(deployment=submitted)
    low, high = measured.interval
    assert measured.measured is True and low < measured.value < high
    page = client.get(f"/deployments/{submitted.pk}/").content.decode()
    assert f"likely between {measured.interval_in_words} (95%)" in page and 'id="extrapolated"' not in page

    submitted.threshold = 0.96
    submitted.save(update_fields=["threshold"])
    beyond = selectors.expected_false_alerts(deployment=submitted)
    assert beyond.measured is False and beyond.rate < 1 / 50_842
    page = client.get(f"/deployments/{submitted.pk}/").content.decode()
    assert 'id="extrapolated"' in page and "goes beyond what was tested" in page and "50,842" in page


def test_the_cap_per_thousand_faces_is_a_versioned_setting_that_rule_11_reads(personas, submitted):
    """Rule 11 warns the approver (the domain asks a warning, not a refusal) when the expected false alerts per
    1,000 faces pass the oversight body's cap; the warning names the rule and the decision records the setting."""
    from deployments import rules
    from oversight import services as ground
    from oversight.policy import policy_in_force

    expected = selectors.expected_false_alerts(deployment=submitted)
    assert expected.per_thousand_faces == pytest.approx(1000 * 3 * expected.rate)
    assert expected.per_thousand_interval is None  # NEC's test report does not say how many pairs it measured
    assert not any(v.rule == "R11-expected-false-alerts" for v in rules.check_authorisation(submitted).warnings)

    cap = expected.per_thousand_faces / 2
    ground.policy_setting_version_add(actor=personas.oversight_admin,
                                      key="watchlist.expected_false_alerts_per_1000_faces", value=cap,
                                      reason="Fewer passers-by may be stopped wrongly at busy events.")
    setting = policy_in_force("watchlist.expected_false_alerts_per_1000_faces")
    assert setting.version == 2 and setting.value == cap
    result = rules.check_authorisation(submitted, approver=personas.approver_a)
    fired = [v for v in result.warnings if v.rule == "R11-expected-false-alerts"]
    assert len(fired) == 1 and not any(v.rule == "R11-expected-false-alerts" for v in result.blocking)
    assert "per 1,000 faces" in fired[0].message and f"cap of {cap:g}" in fired[0].message

    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert "R11-expected-false-alerts" in str(auth.rule_results)
    assert setting in auth.policy_settings.all()

    from django.test import Client

    client = Client()
    client.force_login(personas.approver_a)
    page = client.get(f"/deployments/{submitted.pk}/").content.decode()
    assert f">{expected.per_thousand_in_words}</strong> per 1,000 faces" in page
