"""Personal data planted everywhere in the records never reaches a public page, PDF, CSV or JSON file.

The test plants distinctive subject references, custody references, crime references, image file names,
names of officers and of members of the public, a legal-hold reference and precise coordinates, including
inside the free text a force writes for publication (area, purpose, document titles), then reads every
public surface back.
"""
from __future__ import annotations

import json
import os
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from deployments import services as governance
from matching.services import adjudication, enrolment, live as live_matching, rfr
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, RfrSearch
from oversight import services as ground
from oversight.models import Rank, Role, User
from oversight.transparency import services
from oversight.transparency.models import TransparencyReport
from tests.conftest import PASSWORD
from tests.deployments.factories import JUSTIFICATION, lfr_deployment
from tests.transparency.helpers import pdf_text

LATITUDE, LONGITUDE = 52.486219, -1.890417
PLANTED = {
    "subject reference": "ZZSUBJ-PLANT-7781",
    "custody reference": "ZZCUST-PLANT-4410",
    "crime reference": "ZZCRIME-5531/26",
    "entry image file name": "ZZPLANT-jane-doe-face.png",
    "probe file name": "ZZPLANT-cctv-still.jpg",
    "officer": "Zebediah Quillfeather",
    "officer user name": "zebediah.quillfeather",
    "officer staff number": "ZZ998811",
    "approver": "Persephone Wolfington",
    "force administrator": "Cornelius Blatherwick",
    "oversight administrator": "Ottoline Snodgrass",
    "member of the public (harm declaration)": "Hermione Zanzibar",
    "member of the public (adjudication note)": "Barnaby Zellweger",
    "member of the public (intelligence)": "Ophelia Grimsditch",
    "legal hold reference": "ZZHOLD-REF-0091",
    "precise latitude": "52.4862",
    "precise longitude": "1.8904",
    "full postcode": "B4 6QB",
}


def _person(personas, username, role, force=None, rank=None, staff=""):
    first, last = (part.title() for part in username.split("."))
    return ground.user_create(actor=personas.oversight_admin, username=username, password=PASSWORD, role=role,
                              force=force, rank=rank, first_name=first, last_name=last, staff_number=staff)


def _plant(personas, photos) -> dict:
    a = personas
    officer = _person(a, "zebediah.quillfeather", Role.FORCE_OPERATOR, a.force_a, Rank.CONSTABLE, "ZZ998811")
    approver = _person(a, "persephone.wolfington", Role.FORCE_APPROVER, a.force_a, Rank.SUPERINTENDENT)
    admin = _person(a, "cornelius.blatherwick", Role.FORCE_ADMIN, a.force_a, Rank.CHIEF_INSPECTOR)
    overseer = _person(a, "ottoline.snodgrass", Role.OVERSIGHT_ADMIN)

    deployment = lfr_deployment(force=a.force_a, operator=officer, approver=approver, stage="draft",
                                images=[photos[SAME_PERSON[0]]], starts_in=timedelta(minutes=-1), hours=6,
                                algorithm="dlib-resnet-v1", threshold=0.94, latitude=LATITUDE, longitude=LONGITUDE)
    governance.deployment_update(actor=officer, deployment=deployment, changes={
        "location_name": "Corporation Street by Zebediah Quillfeather's post, B4 6QB",
        "policing_objective": ("Find ZZSUBJ-PLANT-7781, seen on ZZPLANT-cctv-still.jpg at 52.486219,-1.890417 with "
                               "Mrs Grimsditch; ask zebediah.quillfeather (ZZ998811) or PC Quillfeather, "
                               "crime ZZCRIME-5531/26."),
        "intelligence_case": "Informant Ophelia Grimsditch says ZZSUBJ-PLANT-7781 meets Barnaby Zellweger here.",
    })
    watchlist = deployment.watchlist
    governance.watchlist_entry_add(
        actor=officer, watchlist=watchlist, subject_reference="ZZSUBJ-PLANT-7781", category="wanted-by-court",
        legal_basis_codes=["PACE-S64A-CUSTODY", "COURT-WARRANT"], subject_kind="wanted",
        justification=JUSTIFICATION + " Ophelia Grimsditch saw them.",
        image=ContentFile(photos[OTHER_PERSON], name="ZZPLANT-jane-doe-face.png"),
        image_source_system="Police National Database custody image", image_date=date.today() - timedelta(days=300),
        quality_check="passed")
    governance.watchlist_review(actor=officer, watchlist=watchlist, notes="Checked by Zebediah Quillfeather.")
    governance.deployment_submit(actor=officer, deployment=deployment)
    governance.deployment_authorise(actor=approver, deployment=deployment,
                                    reasons="Persephone Wolfington: necessary and proportionate.")
    governance.deployment_activate(actor=officer, deployment=deployment)
    assert enrolment.watchlist_enrol(actor=officer, deployment=deployment).rejected == []
    device, _ = live_matching.device_create(actor=officer, deployment=deployment, name="Quillfeather's van camera")
    alert_ids = []
    for name in (SAME_PERSON[1], OTHER_PERSON):
        alert_ids += live_matching.frames_ingest(device=device, frames=[photos[name]])[0].alerts
    assert len(alert_ids) == 2
    true, false = Alert.objects.filter(pk__in=alert_ids).order_by("pk")
    adjudication.alert_adjudicate(actor=officer, alert=true, decision="true_match", note="Zebediah Quillfeather saw")
    adjudication.engagement_record(actor=officer, alert=true, outcome="arrested", duration_minutes=9)
    adjudication.alert_adjudicate(actor=officer, alert=false, decision="false_alert",
                                  note="Not the person: it was Mr Barnaby Zellweger, a passer-by.")
    adjudication.legal_hold_place(actor=officer, alert=false, reason="Complaint by Barnaby Zellweger pending.",
                                  reference="ZZHOLD-REF-0091")
    governance.policy_document_add(
        actor=approver, force=a.force_a, kind="sop", title="LFR procedure approved by Persephone Wolfington (ZZ998811)",
        version="2.0", approved_on=timezone.localdate() - timedelta(days=3),
        next_review_on=timezone.localdate() + timedelta(days=300), published=True,
        file=ContentFile(b"Procedure text.\n", name="ZZPLANT-sop.txt"))

    enrolment.gallery_enrol(actor=officer, force=a.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="ZZCUST-PLANT-4410")
    rfr.rfr_search_run(actor=officer, probe=photos[SAME_PERSON[2]], crime_reference="ZZCRIME-5531/26",
                       probe_source="cctv")
    rfr.oifr_check_run(actor=officer, photo=photos[SAME_PERSON[1]], reason="unconscious", subject_category="at_risk",
                       place_type="home", harm_declaration="Hermione Zanzibar found unconscious at home; no ID.")

    today = timezone.localdate()
    draft = services.transparency_report_prepare(actor=admin, force=a.force_a, period_start=today.replace(day=1),
                                                 period_end=today)
    report = services.transparency_report_publish(actor=overseer, report=draft)
    return {"deployment": deployment, "report": report}


def _forbidden() -> dict[str, str]:
    """The planted strings, and every reference, name and stored file name the platform holds."""
    from deployments.models import WatchlistEntry
    from matching.models import CustodyImage

    forbidden = dict(PLANTED)
    for user in User.objects.all():
        forbidden[f"user name {user.pk}"] = user.username
        if user.first_name and user.last_name:
            forbidden[f"name of user {user.pk}"] = f"{user.first_name} {user.last_name}"
    for entry in WatchlistEntry.objects.all():
        forbidden[f"subject {entry.pk}"] = entry.subject_reference
        if entry.image:
            forbidden[f"entry image {entry.pk}"] = os.path.basename(entry.image.name)
    for image in CustodyImage.objects.all():
        forbidden[f"custody {image.pk}"] = image.subject_reference
    for search in RfrSearch.objects.all():
        forbidden[f"crime reference {search.pk}"] = search.crime_reference
        if search.probe:
            forbidden[f"probe {search.pk}"] = os.path.basename(search.probe.name)
    for alert in Alert.objects.exclude(crop=""):
        forbidden[f"alert crop {alert.pk}"] = os.path.basename(alert.crop.name)
    return forbidden


def _public_texts(client, report, force_codes) -> dict[str, str]:
    texts = {}
    pages = ["/", "/transparency/", "/transparency/notices/", "/transparency/reports/", "/transparency/open-data/",
             f"/transparency/reports/{report.pk}/", f"/transparency/reports/{report.pk}/report.html",
             f"/transparency/reports/{report.pk}/report.csv", f"/transparency/reports/{report.pk}/report.json"]
    for code in force_codes:
        pages.append(f"/transparency/forces/{code}/")
        for kind in ("lfr", "rfr", "oifr"):
            pages += [f"/transparency/forces/{code}/atrs/{kind}/", f"/transparency/forces/{code}/atrs/{kind}.json"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        # JSON escapes non-ASCII and slashes differently: read it back so the search sees the real text.
        texts[url] = json.dumps(json.loads(body), ensure_ascii=False) if url.endswith(".json") else body
    texts["report.pdf (text)"] = pdf_text(client.get(f"/transparency/reports/{report.pk}/report.pdf").content)
    texts["stored snapshot"] = json.dumps(TransparencyReport.objects.get(pk=report.pk).snapshot, ensure_ascii=False)
    return texts


def test_no_planted_personal_data_reaches_any_public_page_or_file(personas, photos, client):
    planted = _plant(personas, photos)
    texts = _public_texts(client, planted["report"], [personas.force_a.code, personas.force_b.code])
    leaks = [(what, value, where) for what, value in _forbidden().items() for where, text in texts.items()
             if value and value.lower() in text.lower()]
    assert leaks == []
    # The deployment is still reported, with its personal data redacted and its place rounded to about 1 km.
    document = json.loads(texts[f"/transparency/reports/{planted['report'].pk}/report.json"])
    row = next(r for r in document["deployment_log"] if r["reference"] == f"LFR-{planted['deployment'].pk}")
    assert (row["approx_latitude"], row["approx_longitude"]) == (52.49, -1.9)
    assert row["area"] == "Corporation Street by [redacted]'s post, B4"
    assert "[redacted]" in row["purpose"] and row["purpose"].startswith("Find [redacted], seen on [redacted]")
    assert (row["alerts"], row["confirmed_matches"], row["false_alerts"], row["arrests"]) == (2, 1, 1, 1)
    assert document["retention"]["legal_holds"] == 1
    assert "Corporation Street by [redacted]" in texts["/transparency/notices/"]
