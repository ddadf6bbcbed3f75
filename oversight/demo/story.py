"""The demonstration story, told through the same services people use (so it is all audited).

South Mercia Police authorises a live facial recognition deployment at a city-centre station, builds a
watchlist of made-up people and records on sample photos, and a van's camera (a video assembled from real photos of a crowd) raises
alerts that an officer decides on. An urgent authorisation is never reviewed and lapses; an RFR search and
an OIFR check run against the custody gallery; the retention policy deletes what is due; the oversight body
reads the regulator report and the public reads the published transparency report.

The officers' decisions here are simulated and labelled as such.
"""
from __future__ import annotations

import io
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import cv2
import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from deployments import services as governance
from deployments.complaints import services as complaints
from deployments.models import Deployment, DocumentKind
from matching.services import adjudication, engine, enrolment, live, rfr, vendor
from matching.face.samples import CROWD_FILES, FILES, SamplesUnavailable, crowd_photos_dir, sample_photos_dir
from matching.services.feeds import video_feed_run, video_feed_start
from matching.models import Alert, VideoFeed
from matching.services.retention import retention_run
from oversight import services
from oversight.audit.checkpoints import checkpoint_make
from oversight.demo.people import FORCES, PEOPLE, ROLLOUT_FORCES, VAN_ALLOCATION
from oversight.reports import runs as reports
from oversight.reports.models import ReportRun, RunStatus
from oversight.transparency import services as transparency
from oversight.transparency.models import TransparencyReport
from oversight.models import Force, User

# Titles name no weekday or time of day: the story runs on whatever day it is played.
LIVE_TITLE = "Foregate Street station: people wanted for violence"
EARLIER_TITLE = "Cathedral Square: the man wanted for wounding"
URGENT_TITLE = "Riverside retail park: urgent search for a missing woman"
PENDING_TITLE = "Westgate shopping centre: Christmas market opening"
SM_PENDING_TITLE = "High Street, Worcester: Christmas lights switch-on"
VENDOR_TITLE = "Shrub Hill station: the vendor's matcher on the wounding warrant"
VENDOR_ALGORITHM, VENDOR_THRESHOLD = "nec-neoface-v4", 0.64

# Each deployment's own case, consistent with its place, its watchlist and its notice. Every person and record in
# it is made up for the demonstration.
CASES = {
    LIVE_TITLE: dict(
        policing_objective="Locate a man wanted on a Crown Court warrant for wounding with intent.",
        intelligence_case="He has been seen on the station concourse three times in three weeks, arriving on the "
                          "morning trains; patrols with his photograph have not found him.",
        watchlist_criteria="Only people wanted on a court warrant for an offence of serious violence.",
        location_justification="CCTV and ticket records place him on this concourse in the morning.",
        public_notice_plan="Force website and social media two days before; signs at every station entrance.",
        legitimate_aim="HRA-A8-2-CRIME",
        strict_necessity="Patrols with his photograph have not found him in five weeks.",
        alternatives_considered="Patrols, CCTV review and a public appeal were tried; none located him.",
        community_impact="Consulted the station operator and the rail users' group; the equality assessment found "
                         "no disproportionate effect on any group using the station.",
        collateral_intrusion="Faces that do not match are discarded at once; notices at every entrance.",
        conclusion="Necessary and proportionate for the objective, for one morning only."),
    EARLIER_TITLE: dict(
        policing_objective="Locate the man wanted on a Crown Court warrant for wounding, after sightings in the square.",
        intelligence_case="He has been seen twice in the square in the last week, near the cash machines.",
        watchlist_criteria="Only the one person wanted on the wounding warrant.",
        location_justification="Two sightings by officers and CCTV at the square's cash machines this week.",
        public_notice_plan="Force website the day before; signs at the four entrances to the square.",
        legitimate_aim="HRA-A8-2-CRIME",
        strict_necessity="He has no fixed address and has not answered the warrant; patrols missed him twice.",
        alternatives_considered="Address checks and patrols were tried first.",
        community_impact="Discussed with the city centre business group; no disproportionate effect found.",
        collateral_intrusion="A two-hour window and a watchlist of one limit the intrusion.",
        conclusion="Necessary and proportionate for a short deployment with one person on the watchlist."),
    URGENT_TITLE: dict(
        policing_objective="Find a missing woman at high risk of harm to herself, last seen at the retail park.",
        intelligence_case="Her phone was used at the retail park an hour ago and a member of staff saw her there; "
                          "she has been missing for four days and her family fear for her life.",
        watchlist_criteria="Only the missing woman.",
        location_justification="Her phone and a staff sighting place her at the retail park within the last hour.",
        public_notice_plan="No advance notice is possible in an emergency: signs at the entrances as the van "
                           "arrives, and a post on the force website within the hour.",
        legitimate_aim="HRA-A8-2-SAFETY",
        strict_necessity="Search teams and CCTV review have not found her; every hour raises the risk to her life.",
        alternatives_considered="Search teams, CCTV review and a public appeal are running at the same time.",
        community_impact="A short search in a public car park; no group is affected more than another.",
        collateral_intrusion="Four hours at most and a watchlist of one; faces that do not match are discarded.",
        conclusion="Necessary and proportionate to protect her life; urgent because no Superintendent is on duty."),
    PENDING_TITLE: dict(
        policing_objective="Locate a man wanted on a warrant for robbery of shop staff.",
        intelligence_case="Shop staff have reported him in the centre on three busy days this month.",
        watchlist_criteria="Only people wanted on a court warrant for robbery.",
        location_justification="Staff reports and the centre's CCTV place him there on its busiest days.",
        public_notice_plan="Force website and the centre's own channels two days before; signs at the doors.",
        legitimate_aim="HRA-A8-2-CRIME",
        strict_necessity="He has avoided patrols three times; the market opening will bring him back.",
        alternatives_considered="Patrols and the centre's security team were briefed first.",
        community_impact="Consulted the centre's management and traders; no disproportionate effect found.",
        collateral_intrusion="Faces that do not match are discarded at once; signs at every door.",
        conclusion="Necessary and proportionate for one day."),
    SM_PENDING_TITLE: dict(
        policing_objective="Locate the man wanted on a Crown Court warrant for wounding if he comes to the Christmas "
                           "lights switch-on.",
        intelligence_case="Messages seen by officers say he intends to attend; he was seen in the High Street last "
                          "week.",
        watchlist_criteria="Only people wanted on a court warrant for an offence of violence.",
        location_justification="The event draws the crowd he has been seen in; the High Street is his route.",
        public_notice_plan="Force website and local radio three days before; signs along the High Street.",
        legitimate_aim="HRA-A8-2-CRIME",
        strict_necessity="A crowd of this size hides him from patrols.",
        alternatives_considered="Extra patrols are planned as well; they cannot cover the crowd.",
        community_impact="Consulted the city council's events team and the independent advisory group.",
        collateral_intrusion="Five hours, faces that do not match discarded at once, signs on every approach.",
        conclusion="Necessary and proportionate for the evening of the event."),
    VENDOR_TITLE: dict(
        policing_objective="Locate the man wanted on the wounding warrant at the other city station, with the "
                           "vendor's camera system the force leases.",
        intelligence_case="Ticket records show him travelling from Shrub Hill on two evenings this week.",
        watchlist_criteria="Only the one person wanted on the wounding warrant.",
        location_justification="Ticket records and a guard's sighting place him on the Shrub Hill platforms.",
        public_notice_plan="Force website and the rail operator's notices the day before; signs at both entrances.",
        legitimate_aim="HRA-A8-2-CRIME",
        strict_necessity="He changes stations to avoid the patrols that know him at Foregate Street.",
        alternatives_considered="Patrols at both stations; the platforms are too busy to cover by sight.",
        community_impact="Consulted the rail operator; the equality assessment covers the vendor's system too.",
        collateral_intrusion="Two hours; the vendor's system counts faces and discards those that match nothing.",
        conclusion="Necessary and proportionate for one evening, under the same rules as the force's own matcher."),
}
THRESHOLD = 0.95
SIMULATED = "SIMULATED DECISION (demonstration): "
ALGORITHM = "dlib-resnet-v1"

LEGAL_BASES = ["CL-PREVENT-DETECT", "DPA18-S35-5-STRICT", "DPA18-SCH8-P1"]


# --- organisations and people -----------------------------------------------------------------------
def organisations(say) -> tuple[User, dict[str, Force], dict[str, User]]:
    people: dict[str, User] = {}
    with transaction.atomic():
        admin = _person(PEOPLE[0], forces={}, actor=None)
        people[admin.username] = admin
        forces = {}
        for code, name, email in FORCES:
            forces[code] = (Force.objects.filter(code=code).first()
                            or services.force_create(actor=admin, code=code, name=name, contact_email=email))
        for row in PEOPLE[1:]:
            person = _person(row, forces=forces, actor=admin)
            people[person.username] = person
    say(f"Oversight body and {len(forces)} forces with {len(people)} people.")
    return admin, forces, people


def van_fleet(say, admin: User) -> None:
    """The national pool's vans allocated as the national rollout did, through the allocation service."""
    from deployments.fleet import asset_allocate
    from deployments.models import Asset

    forces = {code: Force.objects.filter(code=code).first() or services.force_create(actor=admin, code=code, name=name)
              for code, name in ROLLOUT_FORCES}
    for numbers, codes in VAN_ALLOCATION:
        for number in numbers:
            van = Asset.objects.filter(code=f"lfr-van-{number:02d}").first()
            if van is not None:
                asset_allocate(actor=admin, asset=van, forces=[forces[code] for code in codes])
    say(f"National van fleet: 10 vans allocated to {len(VAN_ALLOCATION)} forces or pairs of forces.")


def _person(row, *, forces, actor) -> User:
    username, password, role, force_code, rank, first, last = row
    return User.objects.filter(username=username).first() or services.user_create(
        actor=actor, username=username, password=password, role=role, force=forces.get(force_code), rank=rank,
        first_name=first, last_name=last)


# --- governance --------------------------------------------------------------------------------------
def documents(force: Force, approver: User) -> None:
    today = timezone.localdate()
    for kind in (DocumentKind.DPIA, DocumentKind.APD, DocumentKind.EQIA, DocumentKind.SOP):
        label = DocumentKind(kind).label
        governance.policy_document_add(
            actor=approver, force=force, kind=kind, title=f"{force.name}: {label}", version="2.1",
            approved_on=today - timedelta(days=40), next_review_on=today + timedelta(days=320), published=True,
            file=ContentFile(f"{label} of {force.name} for live facial recognition.\n".encode(), name="doc.txt"))
    governance.policy_document_add(
        actor=approver, force=force, kind=DocumentKind.BIAS_TEST, title="Independent bias test of dlib ResNet v1",
        version="2026-1", approved_on=today - timedelta(days=90), next_review_on=today + timedelta(days=270),
        published=True, file=ContentFile(b"%PDF-1.4\n% independent bias-test report (demonstration)\n", name="bias.pdf"),
        algorithm_version=ALGORITHM, threshold_min=0.934, threshold_max=0.97, no_difference_from=0.934)
    governance.policy_document_add(
        actor=approver, force=force, kind=DocumentKind.BIAS_TEST, title="Independent test of NEC NeoFace V4 (vendor)",
        version="2023-1", approved_on=today - timedelta(days=120), next_review_on=today + timedelta(days=240),
        published=True, file=ContentFile(b"%PDF-1.4\n% independent test of the vendor's system (demonstration)\n",
                                         name="vendor-test.pdf"),
        algorithm_version=VENDOR_ALGORITHM, threshold_min=0.56, threshold_max=0.64, no_difference_from=0.6)


def _jpeg(image: np.ndarray, box=None, margin: float = 0.6) -> bytes:
    if box is not None:
        height, width = image.shape[:2]
        x1, y1, x2, y2 = box
        pad_x, pad_y = margin * (x2 - x1), margin * (y2 - y1)
        image = image[max(0, int(y1 - pad_y)):min(height, int(y2 + pad_y)),
                      max(0, int(x1 - pad_x)):min(width, int(x2 + pad_x))]
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def deployment(*, force, operator, approver, title, place, starts_in, hours, entries, expected_faces=6000,
               legal_bases=LEGAL_BASES, algorithm=ALGORITHM, threshold=THRESHOLD):
    starts_at = timezone.now() + starts_in
    name, lat, lon = place
    case = CASES[title]
    created = governance.deployment_create(
        actor=operator, force=force, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
        algorithm_version=algorithm, threshold=threshold,
        policing_objective=case["policing_objective"], intelligence_case=case["intelligence_case"],
        watchlist_criteria=case["watchlist_criteria"], location_name=name, latitude=lat, longitude=lon, radius_m=250,
        location_justification=case["location_justification"], public_notice_plan=case["public_notice_plan"],
        legal_basis_codes=legal_bases)
    governance.assessment_save(
        actor=operator, deployment=created, legitimate_aim=case["legitimate_aim"],
        strict_necessity=case["strict_necessity"], alternatives_considered=case["alternatives_considered"],
        expected_faces=expected_faces, community_impact=case["community_impact"],
        collateral_intrusion=case["collateral_intrusion"], conclusion=case["conclusion"])
    watchlist = governance.watchlist_create(actor=operator, deployment=created)
    for number, (image, category, kind, bases, why) in enumerate(entries, start=1):
        governance.watchlist_entry_add(
            actor=operator, watchlist=watchlist, subject_reference=f"SM-{created.pk:03d}-{number:03d}",
            category=category, legal_basis_codes=bases, subject_kind=kind, justification=why,
            image=ContentFile(image, name="face.jpg"),
            image_source_system=("Missing-person record (photo from the family)" if category == "missing-at-risk"
                                 else "Police National Database custody image"),
            image_date=date.today() - timedelta(days=500 + 90 * number), quality_check="passed")
    governance.watchlist_review(actor=operator, watchlist=watchlist, notes="Every entry checked against its source.")
    return Deployment.objects.get(pk=created.pk)


def watchlist_entries(photos: dict[str, bytes], crowd: dict[str, bytes]) -> list:
    wanted = ("Wanted on a Crown Court warrant for wounding with intent (a made-up record); seen on the station "
              "concourse three times in three weeks; arrest is needed to bring him before the court.")
    missing = ("Missing for four days, at high risk of harm to herself; her phone was last used near the station; "
               "finding her quickly protects her life.")
    entries = [(photos["obama.jpg"], "wanted-by-court", "wanted", ["PACE-S64A-CUSTODY", "COURT-WARRANT"], wanted)]
    if crowd:
        pipeline = engine.pipeline()
        image = pipeline.decode(crowd["sample1.jpg"])
        face = max(pipeline.detect(image), key=lambda f: f.box[0])  # the woman on the right of the photo
        entries.append((_jpeg(image, face.box), "missing-at-risk", "missing", ["DPA18-SCH8-P3", "MOPI-RRD"], missing))
    return entries


def _wait_for_window(deployment_: Deployment) -> None:
    """Authorised before its window, the deployment is switched on once the window opens (seconds later here)."""
    delay = (deployment_.starts_at - timezone.now()).total_seconds()
    if delay > 0:
        time.sleep(delay + 0.2)


# --- the camera --------------------------------------------------------------------------------------
def feed_video(frames: list[bytes], path: Path, *, fps: float = 2.0, size=(1280, 720)) -> Path:
    """A video the van's camera 'records': each photo letterboxed to 720p and held for half a second."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for data in frames:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        scale = min(size[0] / image.shape[1], size[1] / image.shape[0])
        resized = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)),
                             interpolation=cv2.INTER_AREA)
        canvas = np.zeros((size[1], size[0], 3), np.uint8)
        top, left = (size[1] - resized.shape[0]) // 2, (size[0] - resized.shape[1]) // 2
        canvas[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
        writer.write(canvas)
    writer.release()
    return path


def camera_feed(say, deployment_, device, operator, frames: list[bytes]) -> VideoFeed:
    with tempfile.TemporaryDirectory() as tmp:
        path = feed_video(frames, Path(tmp) / "van-3-camera-1.avi")
        feed = video_feed_start(actor=operator, device=device, name="van-3-camera-1.avi", data=path.read_bytes(),
                                queue=False)

    def progress(done, total):
        say(f"    camera feed: frame {done}/{total}")

    return video_feed_run(feed, progress=progress if len(frames) <= 12 else None)


# --- the story ---------------------------------------------------------------------------------------
def external_matcher(say, *, force, operator, approver, entries, crop: bytes) -> None:
    """A deployment on the vendor's system: the force exports the signed watchlist; the vendor's system (the
    reference client, through the device API) verifies it, reports faces and alerts, and confirms deletion."""
    from django.test import Client

    from tools.vendor_client import DjangoClientTransport, VendorSystem

    say(f"External matcher '{VENDOR_TITLE}': NEC NeoFace V4 runs in the vendor's own system.")
    place = ("Shrub Hill station platforms, Worcester", 52.1946, -2.2094)
    created = deployment(force=force, operator=operator, approver=approver, title=VENDOR_TITLE, place=place,
                         starts_in=timedelta(seconds=4), hours=2, entries=entries, expected_faces=3000,
                         algorithm=VENDOR_ALGORITHM, threshold=VENDOR_THRESHOLD)
    governance.deployment_submit(actor=operator, deployment=created)
    governance.deployment_authorise(actor=approver, deployment=created, reasons=(
        "The vendor's system was independently tested at this threshold; one wanted person, one evening."))
    _wait_for_window(created)
    governance.deployment_activate(actor=operator, deployment=created)
    package = vendor.package_export(actor=operator, deployment=created)
    _device, token = live.device_create(actor=operator, deployment=created, name="Vendor van 11, camera 1")
    system = VendorSystem(DjangoClientTransport(Client(HTTP_HOST="localhost")), deployment=created.pk, token=token,
                          pinned_key=vendor.package_public_key(), algorithm=VENDOR_ALGORITHM, latitude=place[1],
                          longitude=place[2])
    verified = system.package_download()
    now = timezone.now()
    system.faces_post(minute=now, faces=180)
    accepted = system.alert_post(reference=verified.references[0], score=0.71, captured_at=now, crop=crop)
    refused = system.alert_post(reference=verified.references[0], score=0.55, captured_at=now)
    say(f"  signed package {package.digest[:12]}… verified by the vendor's system; 180 faces counted; one alert "
        f"accepted ({accepted.status}); one refused ({refused.status}: {refused.json().get('detail')}).")
    for alert in Alert.objects.filter(deployment=created):
        adjudication.alert_adjudicate(actor=operator, alert=alert, decision="true_match",
                                      note=SIMULATED + "officer compared the vendor's crop with the watchlist image")
        adjudication.engagement_record(actor=operator, alert=alert, outcome="arrested", duration_minutes=12)
    governance.deployment_end(actor=operator, deployment=created)
    confirmed = system.deletion_confirm(deleted_at=timezone.now(), statement=(
        "Watchlist images, manifest and the templates made from them erased from the van's store (demonstration)."))
    say(f"  ended; the vendor confirmed it deleted its copy ({confirmed.status}), kept as retention evidence.")


def play(*, say, people_only: bool = False) -> dict:
    engine.face_model_register()  # as set-up does; the matcher refuses a model that is not in the register
    admin, forces, people = organisations(say)
    van_fleet(say, admin)
    links = [("Public transparency site", "/"), ("Legal-basis register", "/legal-bases/")]
    if people_only:
        checkpoint_make(only_if_grown=True)
        return {"links": links}
    if Deployment.objects.filter(title=LIVE_TITLE).exists():
        say("The story was told before; keeping what exists.")
        return {"links": links + _links()}
    south, north = forces["south-mercia"], forces["north-wessex"]
    operator, approver, inspector = people["sm.operator"], people["sm.approver"], people["sm.inspector"]

    photos = {name: (sample_photos_dir() / name).read_bytes() for name in FILES}
    try:
        crowd = {name: (crowd_photos_dir() / name).read_bytes() for name in CROWD_FILES}
    except SamplesUnavailable as exc:
        say(f"(crowd photos unavailable: {exc}; the camera sees fewer strangers)")
        crowd = {}

    say("Policy documents: DPIA, appropriate policy document, equality assessment, SOP and a bias test for both forces.")
    documents(south, approver)
    documents(north, people["nw.approver"])

    say("Custody gallery of South Mercia: two custody images.")
    enrolment.gallery_enrol(actor=operator, force=south, data=photos["obama.jpg"], subject_reference="PND-7731-A")
    enrolment.gallery_enrol(actor=operator, force=south, data=photos["biden.jpg"], subject_reference="PND-2214-C")

    entries = watchlist_entries(photos, crowd)
    in_the_square = (entries[0][0], "wanted-by-court", "wanted", ["PACE-S64A-CUSTODY", "COURT-WARRANT"],
               "Wanted on a Crown Court warrant for wounding with intent (a made-up record); seen in the square "
               "twice this week.")
    missing_entries = [(image, category, kind, bases,
                        "Missing for four days, at high risk of harm to herself (a made-up record); her phone was "
                        "used at the retail park an hour ago.")
                       for image, category, kind, bases, _why in entries if category == "missing-at-risk"]
    missing_entries = missing_entries or [in_the_square]
    say(f"LFR deployment '{LIVE_TITLE}' with a watchlist of 1 person made up for the demonstration.")
    main = deployment(force=south, operator=operator, approver=approver, title=LIVE_TITLE,
                      place=("Foregate Street station concourse, Worcester", 52.1953, -2.2213),
                      starts_in=timedelta(seconds=4), hours=8, entries=entries[:1])
    governance.deployment_submit(actor=operator, deployment=main)
    governance.deployment_authorise(actor=approver, deployment=main, reasons=(
        "The objective is specific, the watchlist is small and justified entry by entry, the place is where the "
        "intelligence puts them, and the expected false alerts are acceptable for one morning."))
    _wait_for_window(main)
    governance.deployment_activate(actor=operator, deployment=main)
    report = enrolment.watchlist_enrol(actor=operator, deployment=main)
    say(f"  authorised by Superintendent {approver.last_name}, active, {len(report.enrolled)} templates enrolled.")
    device, _token = live.device_create(actor=operator, deployment=main, name="LFR van 03, camera 1")

    stream = [crowd.get("sample2.jpg"), photos["obama2.jpg"], crowd.get("sample4.jpg"), crowd.get("sample3.jpg"),
              photos["biden.jpg"], crowd.get("sample5.jpg"), photos["obama3.jpg"], crowd.get("sample6.jpg")]
    say("The van's camera: a video of passers-by (real photos of a crowd) goes through live matching.")
    feed = camera_feed(say, main, device, operator, [frame for frame in stream if frame])
    say(f"  {feed.frames_done} frames, {feed.faces} faces compared, {feed.alerts} alerts; every other face discarded.")

    alerts = list(Alert.objects.filter(deployment=main).select_related("entry__category").order_by("id"))
    for alert in alerts[:-1]:  # the last one waits for a person on the live page
        adjudication.alert_adjudicate(actor=operator, alert=alert, decision="true_match",
                                      note=SIMULATED + "officer compared the face with the watchlist image")
        missing = alert.entry.category.code == "missing-at-risk"
        adjudication.engagement_record(actor=operator, alert=alert, outcome="safeguarded" if missing else "arrested",
                                       duration_minutes=25 if missing else 14)
    say(f"  The operator decided on {max(0, len(alerts) - 1)} alerts (simulated decisions, labelled as such); "
        "the last one waits for you on the live page.")

    say(f"Earlier deployment '{EARLIER_TITLE}': ended, then the retention policy deletes its watchlist.")
    earlier = deployment(force=south, operator=operator, approver=approver, title=EARLIER_TITLE,
                         place=("Cathedral Square, Worcester", 52.1891, -2.2209), starts_in=timedelta(seconds=4),
                         hours=2, entries=[in_the_square], expected_faces=2500)
    governance.deployment_submit(actor=operator, deployment=earlier)
    governance.deployment_authorise(actor=approver, deployment=earlier, reasons=(
        "Short deployment with a single wanted person on the watchlist; notices are up."))
    _wait_for_window(earlier)
    governance.deployment_activate(actor=operator, deployment=earlier)
    enrolment.watchlist_enrol(actor=operator, deployment=earlier)
    earlier_device, _ = live.device_create(actor=operator, deployment=earlier, name="LFR van 07, camera 2")
    live.frames_ingest(device=earlier_device, frames=[frame for frame in (crowd.get("sample1.jpg"),
                                                                             photos["biden.jpg"]) if frame])
    governance.deployment_end(actor=operator, deployment=earlier)
    deleted = retention_run()
    say(f"  retention run: {deleted.watchlist_entries} watchlist templates and images deleted, each audited.")

    external_matcher(say, force=south, operator=operator, approver=approver, entries=[in_the_square],
                     crop=photos["obama2.jpg"])

    say(f"Urgent authorisation '{URGENT_TITLE}' by an Inspector, never reviewed by a Superintendent.")
    urgent = deployment(force=south, operator=operator, approver=inspector, title=URGENT_TITLE,
                        place=("Riverside retail park, Worcester", 52.2010, -2.2290), starts_in=timedelta(minutes=20),
                        hours=4, entries=missing_entries, expected_faces=1500,
                        legal_bases=["CL-PREVENT-DETECT", "DPA18-S35-5-STRICT", "DPA18-SCH8-P3"])
    governance.deployment_urgent_authorise(actor=inspector, deployment=urgent, reasons=(
        "A missing woman at high risk was seen here an hour ago; no Superintendent can be reached in time."))
    lapsed = governance.urgent_authorisations_enforce(now=timezone.now() + timedelta(hours=25))
    say(f"  the review deadline passed: {len(lapsed)} deployment stopped, recorded as an exception.")

    say(f"North Wessex: '{PENDING_TITLE}' awaits its Superintendent's authorisation.")
    deployment(force=north, operator=people["nw.operator"], approver=people["nw.approver"], title=PENDING_TITLE,
               place=("Westgate shopping centre, Northbury", 51.0632, -1.3080), starts_in=timedelta(hours=20), hours=6,
               entries=[(photos["biden.jpg"], "wanted-by-court", "wanted", ["PACE-S64A-CUSTODY", "COURT-WARRANT"],
                         "Wanted on a warrant for robbery of shop staff (a made-up record); seen at the centre on "
                         "three busy days this month.")],
               expected_faces=60000)
    pending = Deployment.objects.get(title=PENDING_TITLE)
    governance.deployment_submit(actor=people["nw.operator"], deployment=pending)

    say(f"South Mercia: '{SM_PENDING_TITLE}' awaits Superintendent {approver.last_name}'s decision.")
    lights = deployment(force=south, operator=operator, approver=approver, title=SM_PENDING_TITLE,
                        place=("High Street, Worcester", 52.1929, -2.2205), starts_in=timedelta(hours=22), hours=5,
                        entries=entries[:1], expected_faces=45000)
    governance.deployment_submit(actor=operator, deployment=lights)

    say("RFR: an investigator searches a doorbell image against the custody gallery.")
    search = rfr.rfr_search_run(actor=operator, probe=photos["obama2.jpg"], crime_reference="SM/41871/26",
                                probe_source="doorbell", candidate_list_length=5)
    if search.candidates.exists():
        rfr.rfr_candidate_mark(actor=operator, candidate=search.candidates.first(), status="corroborated",
                               note=SIMULATED + "matches the suspect's clothing on the doorbell video and his address")
    say(f"  {search.candidates.count()} candidate(s); the first corroborated (simulated).")
    check = rfr.oifr_check_run(actor=operator, photo=photos["obama3.jpg"], reason="refuses",
                               subject_category="wanted", place_type="public")
    say(f"OIFR: an officer's phone check {'found a custody record' if check.matched_id else 'found no match'}; "
        "the photo was not kept.")

    say("Community engagement: the Christmas lights deployment's consultations, for the Superintendent to read.")
    governance.consultation_record(
        actor=operator, deployment=lights, body="advisory_group", name="Worcester Independent Advisory Group",
        held_on=timezone.localdate() - timedelta(days=9),
        said="Accepted the use for the switch-on only; asked that the van stand in plain view. It will be parked "
             "at the Cathedral end of the High Street.")
    governance.consultation_record(
        actor=operator, deployment=lights, body="local_council",
        name="Worcester City Council community safety partnership", held_on=timezone.localdate() - timedelta(days=6),
        said="Asked for notices in the shops along the route and for the figures to be published afterwards.")

    say("Complaints from the public: one about Foregate Street, answered; one about a phone check, overdue.")
    walker = complaints.complaint_file(
        force=south, subject="deployment", deployment_reference=f"LFR-{main.pk}", address="demo-1",
        description="There was no sign at the Shrub Hill side of the station, so I walked past the cameras "
                    "without knowing.")
    complaints.complaint_assign(actor=people["oversight.auditor"], complaint=walker,
                                note="Check the signs at each entrance on the day.")
    complaints.complaint_respond(actor=approver, complaint=walker, outcome="upheld",
                                 response="The sign at the Shrub Hill entrance had been taken down by the wind. "
                                          "Officers now check every sign each hour.")
    complaints.complaint_file(force=north, subject="oifr", address="demo-2",
                              now=timezone.now() - timedelta(days=8),
                              description="An officer photographed me with a phone at the bus station and would "
                                          "not say why.")

    checkpoint = checkpoint_make()
    say(f"Audit log signed: {checkpoint.tree_size} entries, checkpoint key {checkpoint.key_id}.")

    today = timezone.localdate()
    say("The oversight body builds the regulator report for both forces, this year to date (HTML and PDF).")
    run = reports.report_run_start(actor=people["oversight.auditor"], forces=[], all_forces=True,
                                   period_start=today.replace(month=1, day=1), period_end=today)
    run.refresh_from_db()
    if run.status == RunStatus.QUEUED:  # no worker took it (the story runs outside a worker): build it here
        run = reports.report_run_execute(run.pk)
    say(f"  {run.get_status_display().lower()}: {run.pages} pages, built from the checkpoint of size "
        f"{run.checkpoint.tree_size if run.checkpoint else '-'}.")

    say("South Mercia prepares its transparency report for this month; the oversight body publishes it.")
    draft = transparency.transparency_report_prepare(actor=people["sm.admin"], force=south,
                                                     period_start=today.replace(day=1), period_end=today)
    published = transparency.transparency_report_publish(actor=admin, report=draft)
    say(f"  published as version {published.version}: web page, PDF, CSV and JSON on the public site.")
    return {"links": links + _links()}


def _links() -> list[tuple[str, str]]:
    main = Deployment.objects.filter(title=LIVE_TITLE).first()
    pending = Deployment.objects.filter(title=PENDING_TITLE).first()
    links = []
    if main:
        links += [("Operator: live alerts (sm.operator)", f"/deployments/{main.pk}/live/"),
                  ("Approver's view of the deployment", f"/deployments/{main.pk}/")]
    lights = Deployment.objects.filter(title=SM_PENDING_TITLE).first()
    if lights:
        links.append(("Approver: awaiting your decision (sm.approver)", f"/deployments/{lights.pk}/"))
    if pending:
        links.append(("North Wessex approver: awaiting authorisation", f"/deployments/{pending.pk}/"))
    run = ReportRun.objects.filter(status=RunStatus.DONE).order_by("-pk").first()
    if run:
        links.append(("Auditor: the regulator report (oversight.auditor)", f"/oversight/reports/{run.pk}/"))
    links.append(("Auditor: the cross-force dashboard", "/oversight/"))
    report = TransparencyReport.objects.filter(status="published").order_by("-pk").first()
    if report:
        links.append(("Public: the published transparency report", f"/transparency/reports/{report.pk}/"))
    links += [("Audit log", "/audit/"), ("API", "/api/docs/")]
    return links
