"""Live matching end to end on real photos: enrol, send frames, get exactly the expected alerts, keep nothing else."""
from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from matching.services import engine
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FacesProcessed, WatchlistTemplate


def _vector_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.table_name, c.column_name FROM information_schema.columns c
                          WHERE c.udt_name IN ('vector', 'halfvec') AND c.table_schema = 'public'""")
        return cursor.fetchall()


def _stored_vectors() -> np.ndarray:
    rows = []
    with connection.cursor() as cursor:
        for table, column in _vector_columns():
            cursor.execute(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL')
            rows += [np.array(text.strip("[]").split(","), dtype=np.float32) for (text,) in cursor.fetchall()]
    return np.array(rows).reshape(-1, 128)


def _embedding_of(photo_bytes: bytes) -> np.ndarray:
    pipeline = engine.pipeline()
    return pipeline.faces(pipeline.decode(photo_bytes))[0][2]


def test_it_alerts_on_the_enrolled_person_and_keeps_no_template_of_anyone_else(live, photos):
    response = live.send_frames([photos[SAME_PERSON[1]], photos[SAME_PERSON[2]], photos[OTHER_PERSON]])
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [len(r["alerts"]) for r in results] == [1, 1, 0]
    assert all(r["faces"] == 1 for r in results)

    alerts = Alert.objects.filter(deployment=live.deployment)
    assert alerts.count() == 2
    for alert in alerts:
        assert alert.entry == live.entry and alert.similarity >= live.deployment.threshold
        assert alert.threshold == live.deployment.threshold and alert.face_model.algorithm.code == "dlib-resnet-v1"
        assert alert.crop and alert.embedding is not None

    stranger = _embedding_of(photos[OTHER_PERSON])
    stored = _stored_vectors()
    assert len(stored) == WatchlistTemplate.objects.count() + 2  # the watchlist template and the two alerts
    assert float(np.max(stored @ stranger)) < 0.95, "a template of the stranger was stored"

    counts = FacesProcessed.objects.filter(deployment=live.deployment)
    assert sum(c.faces for c in counts) == 3
    assert sum(c.alerts for c in counts) == 2
    assert sum(c.discarded for c in counts) == 1


def test_edge_devices_send_templates_and_only_matches_are_kept(live, photos):
    matching = _embedding_of(photos[SAME_PERSON[1]]).tolist()
    stranger = _embedding_of(photos[OTHER_PERSON]).tolist()
    response = live.send_templates([matching, stranger])
    assert response.status_code == 200
    assert [len(r["alerts"]) for r in response.json()["results"]] == [1, 0]
    assert float(np.max(_stored_vectors() @ np.array(stranger, np.float32))) < 0.95


def test_a_batch_reports_bad_frames_and_processes_the_good_ones(live, photos, bad_images):
    frames = [photos[SAME_PERSON[1]], bad_images["corrupt"], bad_images["text"], bad_images["bomb"],
              bad_images["blank"]]
    response = live.send_frames(frames)
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["status"] == "processed" and len(results[0]["alerts"]) == 1
    assert [r["error"]["code"] for r in results[1:4]] == ["corrupt", "unsupported_format", "too_large"]
    assert "megapixels" in results[3]["error"]["message"]
    assert results[4] == {"index": 4, "status": "processed", "faces": 0, "alerts": [], "error": None,
                          "frame_id": None, "repeated": False}
    assert response.json()["processed"] == 2 and response.json()["rejected"] == 3


def test_a_single_bad_frame_is_a_400_naming_the_problem(live, bad_images):
    for name, code in [("corrupt", "corrupt"), ("text", "unsupported_format"), ("bomb", "too_large")]:
        response = live.send_frames([bad_images[name]])
        assert response.status_code == 400
        assert response.json()["results"][0]["error"]["code"] == code
        assert response.json()["detail"]
    assert Alert.objects.count() == 0


def test_malformed_templates_are_refused_naming_the_problem(live):
    short = live.send_templates([[0.1] * 127])
    assert short.status_code == 400 and "128 numbers, not 127" in short.json()["detail"]
    nan = live.send_templates([["NaN"] + [0.1] * 127])
    assert nan.status_code == 400 and "NaN" in nan.json()["detail"]
    raw_nan = live.client.post(live.templates_url, data='{"templates": [[NaN, 1]]}',
                               content_type="application/json", HTTP_AUTHORIZATION=f"Device {live.token}")
    assert raw_nan.status_code == 400 and "NaN" in raw_nan.json()["detail"]
    empty = live.send_templates([])
    assert empty.status_code == 400 and "templates" in empty.json()


def test_no_matching_for_a_deployment_that_has_ended(live, photos):
    from deployments import services

    services.deployment_end(actor=live.operator, deployment=live.deployment)
    response = live.send_frames([photos[SAME_PERSON[1]]])
    assert response.status_code == 409
    assert response.json()["code"] == "deployment_not_active" and "not active" in response.json()["detail"]
    assert Alert.objects.count() == 0 and FacesProcessed.objects.count() == 0


def test_a_token_reaches_only_its_own_deployment(live, photos, other_live):
    response = live.client.post(other_live.frames_url, {"frame": [_upload(photos[SAME_PERSON[1]])]},
                                HTTP_AUTHORIZATION=f"Device {live.token}")
    assert response.status_code in (401, 403)
    assert "another deployment" in response.json()["detail"]
    missing = live.client.post(live.frames_url, {"frame": [_upload(photos[SAME_PERSON[1]])]})
    assert missing.status_code in (401, 403) and "Device <token>" in missing.json()["detail"]
    wrong = live.client.post(live.frames_url, {"frame": [_upload(photos[SAME_PERSON[1]])]},
                             HTTP_AUTHORIZATION="Device not-a-token")
    assert wrong.status_code in (401, 403) and "unknown or revoked" in wrong.json()["detail"]
    assert Alert.objects.count() == 0


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("frame.jpg", data, content_type="image/jpeg")


def test_an_entry_whose_deletion_was_granted_is_never_matched_again(live, photos, personas):
    from deployments import services as governance
    from matching.search import watchlist_best

    probe = _embedding_of(photos[SAME_PERSON[1]])
    assert watchlist_best(live.deployment.pk, probe[None])[0].object_id == live.entry.pk
    governance.watchlist_entry_deletion_status_set(actor=personas.operator_a, entry=live.entry, status="granted",
                                                   reason="The person's application for deletion was granted.")
    assert watchlist_best(live.deployment.pk, probe[None]) == [None]
    response = live.send_frames([photos[SAME_PERSON[1]]])
    assert response.status_code == 200 and response.json()["results"][0]["alerts"] == []
    assert not Alert.objects.filter(deployment=live.deployment).exists()


def test_a_granted_deletion_gives_the_probe_the_next_best_entry_not_none(personas, photos):
    from datetime import timedelta

    from deployments import services as governance
    from matching.services import enrolment
    from matching.search import watchlist_best
    from tests.deployments.factories import lfr_deployment

    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="active", images=[photos[SAME_PERSON[0]], photos[SAME_PERSON[2]],
                                                        photos[OTHER_PERSON]],
                                starts_in=timedelta(minutes=-1), hours=6, algorithm="dlib-resnet-v1", threshold=0.95)
    assert enrolment.watchlist_enrol(actor=personas.operator_a, deployment=deployment).rejected == []
    probe = _embedding_of(photos[SAME_PERSON[1]])[None]
    ranked = sorted(deployment.watchlist.entries.select_related("template"),
                    key=lambda e: -float(np.dot(np.array(e.template.embedding), probe[0])))

    for granted in range(len(ranked)):
        hit = watchlist_best(deployment.pk, probe)[0]
        assert hit.object_id == ranked[granted].pk
        assert hit.similarity == pytest.approx(float(np.dot(np.array(ranked[granted].template.embedding), probe[0])),
                                               abs=1e-5)
        governance.watchlist_entry_deletion_status_set(actor=personas.operator_a, entry=ranked[granted],
                                                       status="granted", reason="Deletion application granted.")
    assert watchlist_best(deployment.pk, np.vstack([probe, probe])) == [None, None]
