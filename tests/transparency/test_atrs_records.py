"""Each force publishes an ATRS-style record of each capability, as a page and as JSON, from public facts only."""
from __future__ import annotations

import pytest

from oversight.transparency.figures import atrs_record
from tests.transparency.helpers import publish

TIER_2 = {"owner_and_responsibility", "description_and_rationale", "decision_making_process",
          "technical_specification", "data", "risks_and_mitigations", "impact_assessments"}


@pytest.mark.parametrize("kind", ["lfr", "rfr", "oifr"])
def test_a_record_has_tier_1_and_tier_2_for_each_capability(world, client, kind):
    code = world.personas.force_a.code
    record = client.get(f"/transparency/forces/{code}/atrs/{kind}.json").json()
    assert record["capability"] == kind
    tier_1 = record["tier_1"]
    assert tier_1["organisation"] == "South Mercia Police" and tier_1["phase"] == "In use"
    assert tier_1["contact_email"] == "fr@southmercia.police.example"
    assert all(tier_1[k] for k in ("name", "description", "purpose", "how_it_works", "decision_making"))
    assert set(record["tier_2"]) == TIER_2
    spec = record["tier_2"]["technical_specification"]
    used = ["dlib-resnet-v1", "nec-neoface-v4"] if kind == "lfr" else ["dlib-resnet-v1"]
    assert [a["code"] for a in spec["algorithms"]] == used
    assert spec["thresholds_in_use"] and all(0 < t <= 1 for t in spec["thresholds_in_use"])
    assert record["tier_2"]["risks_and_mitigations"]
    assert {b["code"] for b in record["tier_2"]["data"]["legal_bases"]} >= {"DPA18-S35-5-STRICT"}
    page = client.get(f"/transparency/forces/{code}/atrs/{kind}/")
    assert page.status_code == 200
    for heading in ("Tier 1: summary", "1. Owner and responsibility", "3. Decision-making process and human oversight",
                    "4. Technical specification", "5. Data", "6. Risks, mitigations and impact assessments"):
        assert heading in page.content.decode()


def test_lfr_record_lists_every_algorithm_used_tests_and_assessments(world, client):
    record = client.get(f"/transparency/forces/{world.personas.force_a.code}/atrs/lfr.json").json()
    spec = record["tier_2"]["technical_specification"]
    assert [a["code"] for a in spec["algorithms"]] == ["dlib-resnet-v1", "nec-neoface-v4"]
    assert sorted(spec["thresholds_in_use"]) == [0.64, 0.94]
    assert {t["no_difference_from"] for t in spec["independent_tests"]}
    kinds = {a["kind_label"] for a in record["tier_2"]["impact_assessments"]}
    assert {"Data protection impact assessment", "Equality impact assessment"} <= kinds
    assert [c["name"] for c in record["tier_2"]["data"]["watchlist_categories"]][0] == "Wanted by a court"


def test_usage_figures_come_only_from_a_published_report(world, client):
    url = f"/transparency/forces/{world.personas.force_a.code}/atrs/lfr.json"
    assert client.get(url).json()["tier_2"]["decision_making_process"]["scale_of_use"] is None
    report = publish(world)
    scale = client.get(url).json()["tier_2"]["decision_making_process"]["scale_of_use"]
    assert scale["figures"]["deployments"] == 3 and scale["figures"]["arrests"] == 1
    assert scale["period_start"] == report.period_start.isoformat()


def test_a_force_that_never_used_a_capability_says_so(personas, client):
    record = client.get(f"/transparency/forces/{personas.force_b.code}/atrs/oifr.json").json()
    assert record["tier_1"]["phase"] == "Not used"
    assert client.get(f"/transparency/forces/{personas.force_b.code}/atrs/covert.json").status_code == 404
    assert client.get("/transparency/forces/no-such-force/atrs/lfr/").status_code == 404
    with pytest.raises(ValueError):
        atrs_record(force=personas.force_b, kind="covert")
