"""One template validator for what edge devices send: exactly 128 JSON numbers, finite, with a length that
neither overflows nor is zero. Anything else is a 4xx naming the field and what is wrong; a good template in
the same batch is still matched, and nothing of a refused one is counted."""
from __future__ import annotations

import json

import numpy as np
import pytest

from matching.services import engine
from matching.services.enrolment import TemplateRejected, check_template
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FacesProcessed
from oversight.models import AuditEvent

pytestmark = pytest.mark.django_db

SIZE = 128


@pytest.fixture(scope="module")
def vectors(photos) -> dict[str, list[float]]:
    """Templates of real photos, computed once for the module."""
    pipeline = engine.pipeline()
    return {name: pipeline.enrol(pipeline.decode(photos[name])).embedding.tolist()
            for name in (SAME_PERSON[1], OTHER_PERSON)}


# value sent as one template -> (code, words of the message)
MALFORMED = {
    "nested": ([[0.1] * SIZE], "nested", "flat list"),
    "nested deeper": ([[[0.1] * SIZE]], "nested", "flat list"),
    "numeric strings": (["0.1"] * SIZE, "not_numbers", 'the text "0.1"'),
    "booleans": ([True] * SIZE, "not_numbers", "true"),
    "a mix with null": ([0.1] * (SIZE - 1) + [None], "not_numbers", "null"),
    "an object": ({"values": [0.1] * SIZE}, "not_a_list", "an object"),
    "a number": (0.5, "not_a_list", "a single number"),
    "a text": ("0.1,0.2", "not_a_list", "the text"),
    "too short": ([0.1] * (SIZE - 1), "wrong_size", f"{SIZE} numbers, not {SIZE - 1}"),
    "too long": ([0.1] * (SIZE + 1), "wrong_size", f"{SIZE} numbers, not {SIZE + 1}"),
    "empty": ([], "wrong_size", "not 0"),
    "overflowing norm": ([1e200] * SIZE, "too_large", "too large"),
    "one huge value": ([0.0] * (SIZE - 1) + [1e300], "too_large", "too large"),
    "an integer beyond any float": ([0] * (SIZE - 1) + [10 ** 400], "too_large", "too large"),
    "zeros": ([0.0] * SIZE, "zero_vector", "all zeros"),
    "tiny": ([1e-12] * SIZE, "zero_vector", "all zeros"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_the_validator_refuses_each_malformed_template_saying_why(case):
    values, code, words = MALFORMED[case]
    with pytest.raises(TemplateRejected) as refused:
        check_template(values)
    assert refused.value.code == code and words in str(refused.value), str(refused.value)


def test_a_nested_template_no_longer_says_it_has_128_numbers_not_128():
    with pytest.raises(TemplateRejected) as refused:
        check_template([[0.1] * SIZE])
    assert f"not {SIZE}" not in str(refused.value)


def test_a_good_template_is_normalised_and_integers_are_numbers_too():
    vector = check_template([3] + [0] * (SIZE - 1))
    assert vector.dtype == np.float32 and vector[0] == pytest.approx(1.0)
    large = check_template([1e150] * SIZE)  # large but finite: its direction is still a template
    assert np.linalg.norm(large) == pytest.approx(1.0)


def _post(live, body):
    return live.client.post(live.templates_url, data=body if isinstance(body, str) else json.dumps(body),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Device {live.token}")


def _nothing_written(before_audit: int) -> None:
    assert Alert.objects.count() == 0 and FacesProcessed.objects.count() == 0
    assert AuditEvent.objects.count() == before_audit


@pytest.mark.parametrize("body", ["[[0.1, 0.2]]", '"templates"', "42", "null", "true", '{"templates": 5}',
                                  '{"templates": "0.1,0.2"}', '{"templates": {}}', '{"templates": []}', "{}"])
def test_a_body_that_is_not_an_object_with_a_list_of_templates_is_a_400_naming_templates(live, body):
    before = AuditEvent.objects.count()
    response = _post(live, body)
    assert response.status_code == 400, response.content
    assert "templates" in response.json()
    _nothing_written(before)


@pytest.mark.parametrize("crops", [5, "abc", {"0": "x"}, [5], [["x"]], ["not base64!"], [True]])
def test_crops_that_are_not_a_list_of_base64_images_are_a_400_naming_crops(live, vectors, crops):
    before = AuditEvent.objects.count()
    response = _post(live, {"templates": [vectors[SAME_PERSON[1]]], "crops": crops})
    assert response.status_code == 400, response.content
    assert "crops" in response.json() and "Traceback" not in response.content.decode()
    _nothing_written(before)


def test_more_crops_than_templates_is_a_400_naming_crops(live, vectors):
    response = _post(live, {"templates": [vectors[SAME_PERSON[1]]], "crops": [None, None]})
    assert response.status_code == 400 and "crops" in response.json()


def test_json_nested_ten_thousand_deep_is_a_400(live):
    before = AuditEvent.objects.count()
    response = _post(live, '{"templates": ' + "[" * 10_000 + "]" * 10_000 + "}")
    assert response.status_code == 400
    _nothing_written(before)


@pytest.mark.parametrize("case", ["nested", "numeric strings", "booleans", "overflowing norm", "zeros"])
def test_a_single_malformed_template_is_a_400_naming_its_place(live, case):
    before = AuditEvent.objects.count()
    response = _post(live, {"templates": [MALFORMED[case][0]]})
    assert response.status_code == 400
    assert response.json()["results"][0]["error"]["code"] == MALFORMED[case][1]
    assert response.json()["detail"].startswith("templates[0]")
    _nothing_written(before)


def test_raw_nan_and_infinity_in_the_json_are_refused(live):
    for token in ("NaN", "Infinity", "-Infinity"):
        body = '{"templates": [[' + ", ".join([token] + ["0.1"] * (SIZE - 1)) + "]]}"
        response = _post(live, body)
        assert response.status_code == 400, token
        # Refused by the JSON parser (not JSON by the standard) or by the validator (not finite).
        body = response.json()
        assert "results" not in body or body["results"][0]["error"]["code"] == "not_finite"
        assert body.get("detail"), token
    assert FacesProcessed.objects.count() == 0


def test_good_templates_in_a_batch_with_bad_ones_are_matched_and_only_they_are_counted(live, vectors):
    batch = [MALFORMED["nested"][0], vectors[SAME_PERSON[1]], MALFORMED["overflowing norm"][0],
             MALFORMED["booleans"][0], vectors[OTHER_PERSON], MALFORMED["zeros"][0]]
    response = _post(live, {"templates": batch})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "processed", "rejected", "rejected", "processed",
                                              "rejected"]
    assert [len(r["alerts"]) for r in results] == [0, 1, 0, 0, 0, 0]
    assert response.json()["processed"] == 2 and response.json()["rejected"] == 4
    counted = FacesProcessed.objects.get(deployment=live.deployment)
    assert (counted.faces, counted.alerts, counted.discarded) == (2, 1, 1)
    assert Alert.objects.count() == 1
