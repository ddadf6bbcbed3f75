"""A custody image's template is comparable only with a probe made by the same face model: numbers from two
models live in different spaces, and their dot product means nothing. A search or an identity check without an
RFR authorisation runs the platform's current model, so it must read only the current model's templates: an
image enrolled with another model (an older file, say) is never offered as a candidate, however high the
meaningless score."""
from __future__ import annotations

import pytest

from matching.face.samples import SAME_PERSON
from matching.models import CustodyImage, FaceModel, RfrCandidate
from matching.services import engine, enrolment, rfr

PURPOSE = ("The suspect in a stabbing in Andover was seen travelling from the Midlands; our own custody "
           "images hold nobody like him.")


@pytest.fixture
def other_models_image(personas, photos):
    """A South Mercia custody image whose template a different face model made: here the very numbers the
    current model makes for the probe, so an unfiltered search would rank it first at a perfect score."""
    image = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[1]],
                                    subject_reference="SM-CUST-OLD-MODEL")
    current = engine.face_model_current()
    older = FaceModel.objects.create(
        algorithm=current.algorithm, name=current.name, version="an older file", onnx_sha256="0" * 64,
        template=current.template, detector=current.detector, detector_sha256=current.detector_sha256,
        licence=current.licence, embedding_size=current.embedding_size, thresholds=current.thresholds)
    CustodyImage.objects.filter(pk=image.pk).update(face_model=older)
    return image


@pytest.mark.parametrize("scope, actor", [("local", "operator_a"), ("national", "operator_b")])
def test_a_search_never_offers_an_image_another_model_made(personas, photos, other_models_image, scope, actor):
    values = dict(national_purpose=PURPOSE, authorised_by=personas.approver_b) if scope == "national" else {}
    search = rfr.rfr_search_run(actor=getattr(personas, actor), probe=photos[SAME_PERSON[1]],
                                crime_reference="SM/1001/26", probe_source="cctv", scope=scope, **values)
    assert not RfrCandidate.objects.filter(search=search, custody_image=other_models_image).exists()


def test_an_identity_check_never_matches_an_image_another_model_made(personas, photos, other_models_image):
    check = rfr.oifr_check_run(actor=personas.operator_a, photo=photos[SAME_PERSON[1]], reason="refuses",
                               subject_category="wanted", place_type="public")
    assert check.matched_id != other_models_image.pk
