"""Test data for the governance layer, built through the services (so it is audited like real data).

    lfr_deployment(*, force, operator, approver, stage="submitted", entries=3, images=None,
                   starts_in=timedelta(hours=2), hours=8, algorithm="nec-neoface-v4", threshold=None,
                   expected_faces=5000, latitude=52.4778, longitude=-1.8990, radius_m=300,
                   documents=True, van=None, title=None) -> Deployment

builds a complete LFR deployment of `force` that meets every blocking rule: DPIA, APD, equality
assessment, SOP and an independent bias test covering the algorithm and threshold (filed by `approver`),
a proportionality assessment, a watchlist of `entries` people (or one per image in `images`, JPEG or PNG
bytes) that was reviewed after its last change, and a public-notice plan. `stage` says how far it goes:
"draft", "submitted", "authorised" (by `approver`, who must be of the authorising rank) or "active".
`threshold` defaults to the policy floor for `algorithm`. `van` books a national-pool van such as
"lfr-van-01". The watchlist is `deployment.watchlist`, its entries `deployment.watchlist.entries`.

    documents_in_force(*, force, approver, algorithm="nec-neoface-v4", threshold=None) -> dict[str, PolicyDocument]

files whichever of those documents the force does not have yet (idempotent).

    png(colour=(200, 120, 90), size=64) -> bytes       a small valid PNG image (no face in it)
    face(number=0) -> bytes                             a real photo of one face, as a watchlist needs
"""
from __future__ import annotations

import functools
import io
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from deployments import selectors, services
from deployments.models import AlgorithmVersion, Deployment, DocumentKind, PolicyDocument
from oversight.models import Force, User
from oversight.policy import policy_value

JUSTIFICATION = ("Wanted on a warrant for a serious violent offence; intelligence places them near the station on "
                 "match days, and other means to find them have failed over six weeks.")

ENTRY_TEMPLATES = [
    {"category": "wanted-by-court", "subject_kind": "wanted",
     "legal_basis_codes": ["PACE-S64A-CUSTODY", "COURT-WARRANT"]},
    {"category": "suspected-offence", "subject_kind": "suspect", "legal_basis_codes": ["PACE-S64A-CUSTODY"]},
    {"category": "conditions-breach", "subject_kind": "offender",
     "legal_basis_codes": ["PACE-S64A-CUSTODY", "COURT-ORDER-COND"]},
]


FACES = ("obama2.jpg", "biden.jpg", "obama3.jpg")


@functools.cache
def face(number: int = 0) -> bytes:
    """A real photo of one person (the sample photos), at most 960 pixels a side: a watchlist photo is checked
    in full when it is uploaded (it must show exactly one usable face), so a plain colour will not do."""
    from matching.face.samples import sample_photos_dir

    image = Image.open(sample_photos_dir() / FACES[number % len(FACES)]).convert("RGB")
    image.thumbnail((960, 960))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def png(colour: tuple[int, int, int] = (200, 120, 90), size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def text_file(text: str = "Policy text.\n", name: str = "policy.txt") -> ContentFile:
    return ContentFile(text.encode(), name=name)


def floor_for(algorithm: str) -> float:
    return policy_value("matching.threshold_floor")[algorithm]


def documents_in_force(*, force: Force, approver: User, algorithm: str = "nec-neoface-v4",
                       threshold: float | None = None) -> dict[str, PolicyDocument]:
    today = timezone.localdate()
    threshold = floor_for(algorithm) if threshold is None else threshold
    current = selectors.documents_in_force(force=force, at=timezone.now())
    for kind in (DocumentKind.DPIA, DocumentKind.APD, DocumentKind.EQIA, DocumentKind.SOP):
        if kind not in current:
            current[kind] = services.policy_document_add(
                actor=approver, force=force, kind=kind, title=DocumentKind(kind).label, version="1.0",
                approved_on=today - timedelta(days=30), next_review_on=today + timedelta(days=335), published=True,
                file=text_file(f"{DocumentKind(kind).label} of {force}.\n"))
    algorithm_version = AlgorithmVersion.objects.get(code=algorithm)
    test = selectors.bias_tests_in_force(force=force, at=timezone.now()).get(algorithm_version.pk)
    if test is None or not test.threshold_min <= threshold <= test.threshold_max:
        low = round(max(0.0, threshold - 0.06), 3)
        test = services.policy_document_add(
            actor=approver, force=force, kind=DocumentKind.BIAS_TEST, title=f"Independent bias test of {algorithm}",
            version=f"{low}-{threshold}", approved_on=today - timedelta(days=60),
            next_review_on=today + timedelta(days=300),
            published=True, file=ContentFile(b"%PDF-1.4\n% independent test report\n", name="bias.pdf"),
            algorithm_version=algorithm, threshold_min=low, threshold_max=round(min(1.0, threshold + 0.06), 3),
            no_difference_from=round(min(threshold, low + 0.02), 3))
    current[DocumentKind.BIAS_TEST] = test
    return current


def lfr_deployment(*, force: Force, operator: User, approver: User, stage: str = "submitted", entries: int = 3,
                   images: list[bytes] | None = None, starts_in: timedelta = timedelta(hours=2), hours: float = 8,
                   algorithm: str = "nec-neoface-v4", threshold: float | None = None, expected_faces: int = 5000,
                   latitude: float = 52.4778, longitude: float = -1.8990, radius_m: int = 300,
                   documents: bool = True, van: str | None = None, title: str | None = None) -> Deployment:
    if stage not in ("draft", "submitted", "authorised", "active"):
        raise ValueError(f"unknown stage {stage!r}")
    threshold = floor_for(algorithm) if threshold is None else threshold
    if documents:
        documents_in_force(force=force, approver=approver, algorithm=algorithm, threshold=threshold)
    starts_at = timezone.now() + starts_in
    deployment = services.deployment_create(
        actor=operator, force=force, title=title or "New Street station, match day",
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), algorithm_version=algorithm,
        threshold=threshold, policing_objective="Locate people wanted for serious violence who travel to matches.",
        intelligence_case="Three wanted people were sighted at the station on the last four match days.",
        watchlist_criteria="Wanted by a court, suspected of serious violence, or breaching a football banning order.",
        location_name="New Street station concourse", latitude=latitude, longitude=longitude, radius_m=radius_m,
        location_justification="Intelligence places the wanted people at the concourse before home matches.",
        public_notice_plan="Force website and social media 48 hours before; signs at every entrance on the day.",
        legal_basis_codes=["CL-PREVENT-DETECT", "DPA18-S35-5-STRICT", "DPA18-SCH8-P1"],
        asset_codes=[van] if van else [],
    )
    services.assessment_save(
        actor=operator, deployment=deployment, legitimate_aim="HRA-A8-2-CRIME",
        strict_necessity="Officers with photographs have not found these people in six weeks of match days.",
        alternatives_considered="Spotters and patrols: tried and failed; CCTV review: too slow to act on.",
        expected_faces=expected_faces,
        community_impact="Concourse used by all communities; equality assessment shows no disproportionate effect.",
        collateral_intrusion="Non-matching faces are discarded at once; signs give notice.",
        conclusion="Necessary and proportionate for the stated objective.")
    watchlist = services.watchlist_create(actor=operator, deployment=deployment)
    pictures = images if images is not None else [face(i) for i in range(entries)]
    for number, picture in enumerate(pictures, start=1):
        template = ENTRY_TEMPLATES[(number - 1) % len(ENTRY_TEMPLATES)]
        services.watchlist_entry_add(
            actor=operator, watchlist=watchlist, subject_reference=f"SUBJ-{deployment.pk}-{number:04d}",
            justification=JUSTIFICATION, image=ContentFile(picture, name="face.jpg"),
            image_source_system="Police National Database custody image", image_date=date.today() - timedelta(days=400),
            quality_check="passed", **template)
    services.watchlist_review(actor=operator, watchlist=watchlist, notes="Every entry checked against its source.")
    if stage != "draft":
        services.deployment_submit(actor=operator, deployment=deployment)
    if stage in ("authorised", "active"):
        services.deployment_authorise(actor=approver, deployment=deployment,
                                      reasons="Necessary and proportionate: the objective cannot be met otherwise.")
    if stage == "active":
        services.deployment_activate(actor=operator, deployment=deployment)
    return Deployment.objects.get(pk=deployment.pk)
