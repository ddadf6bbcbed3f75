"""The national custody gallery: a force's search of every force's custody images, under its own rule."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from deployments.rules import RuleError
from matching.services import enrolment, rfr
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.gallery import partition_name, partitions
from matching.models import NationalSearchNotice, RfrCandidate, RfrSearch
from matching.services.retention import custody_image_delete
from matching.search import _GALLERY_BRANCH, vector_literal
from oversight.models import AuditEvent

PURPOSE = ("The suspect in a stabbing in Andover was seen travelling from the Midlands; our own custody "
           "images hold nobody like him.")


@pytest.fixture
def galleries(personas, photos):
    """A South Mercia custody image of a person never convicted, another South Mercia image, and a North Wessex one."""
    wanted = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                                     subject_reference="SM-CUST-0001", unconvicted=True)
    other = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                                    subject_reference="SM-CUST-0002")
    own = enrolment.gallery_enrol(actor=personas.operator_b, force=personas.force_b, data=photos[OTHER_PERSON],
                                  subject_reference="NW-CUST-0001")
    return wanted, other, own


def _national(personas, photos, **overrides):
    values = dict(actor=personas.operator_b, probe=photos[SAME_PERSON[1]], crime_reference="NW/4411/26",
                  probe_source="cctv", scope="national", national_purpose=PURPOSE, authorised_by=personas.approver_b)
    values.update(overrides)
    return rfr.rfr_search_run(**values)


def test_a_north_wessex_investigator_finds_a_south_mercia_custody_image_nationally(personas, photos, galleries):
    wanted, _, _ = galleries
    search = _national(personas, photos)
    candidates = list(RfrCandidate.objects.filter(search=search).select_related("custody_image__force"))
    assert candidates and candidates[0].custody_image_id == wanted.pk
    assert candidates[0].custody_image.force == personas.force_a
    assert all(c.similarity >= search.threshold for c in candidates)  # nobody below the threshold is kept
    assert search.scope == "national" and search.national_purpose == PURPOSE
    assert search.crime_reference == "NW/4411/26" and search.authorised_by == personas.approver_b
    event = AuditEvent.objects.get(action="rfr.search", object_id=str(search.pk))
    assert event.force_id == personas.force_b.pk and event.new["scope"] == "national"


def test_the_investigator_sees_the_owning_forces_reference_and_photo_of_a_candidate(personas, photos, galleries):
    search = _national(personas, photos)
    top = search.candidates.order_by("rank").first()
    api = personas.api(personas.operator_b)
    body = api.get(f"/api/rfr/searches/{search.pk}/").json()
    assert body["candidates"][0]["subject_reference"] == "SM-CUST-0001"
    assert body["candidates"][0]["owning_force"] == personas.force_a.code
    from django.test import Client

    client = Client()
    client.force_login(personas.operator_b)
    page = client.get(f"/rfr/{search.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "SM-CUST-0001" in text and "South Mercia Police" in text
    image = client.get(f"/rfr/{search.pk}/candidates/{top.pk}/image/")
    assert image.status_code == 200 and image["Content-Type"].startswith("image/")


@pytest.mark.parametrize("overrides, field", [
    ({"authorised_by": None}, "authorised_by"),  # a Sergeant on his own authority
    ({"national_purpose": "suspect"}, "national_purpose"),
    ({"national_purpose": ""}, "national_purpose"),
])
def test_a_national_search_without_the_rank_or_purpose_is_refused_and_nothing_is_stored(
        personas, photos, galleries, overrides, field):
    events = AuditEvent.objects.count()
    with pytest.raises(RuleError) as refused:
        _national(personas, photos, **overrides)
    assert "R19-national-search" in refused.value.rule_ids
    assert field in refused.value.message_dict
    assert "R19" not in " ".join(refused.value.message_dict[field])  # the id travels beside the words
    assert not RfrSearch.objects.exists() and not RfrCandidate.objects.exists()
    assert not NationalSearchNotice.objects.exists() and AuditEvent.objects.count() == events


def test_an_authoriser_of_another_force_does_not_count(personas, photos, galleries):
    with pytest.raises(RuleError) as refused:
        _national(personas, photos, authorised_by=personas.approver_a)
    assert "R19-national-search" in refused.value.rule_ids and not RfrSearch.objects.exists()


def test_the_api_refuses_a_national_search_without_authority_with_a_400(personas, photos, galleries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = personas.api(personas.operator_b).post("/api/rfr/searches/", {
        "probe": SimpleUploadedFile("p.jpg", photos[SAME_PERSON[1]], content_type="image/jpeg"),
        "crime_reference": "NW/1/26", "probe_source": "cctv", "scope": "national", "national_purpose": PURPOSE})
    assert response.status_code == 400 and "authorised_by" in response.json()
    assert not RfrSearch.objects.exists()


def test_south_mercia_sees_the_search_in_its_own_records(personas, photos, galleries):
    search = _national(personas, photos)
    notice = NationalSearchNotice.objects.get(search=search)
    assert notice.owning_force == personas.force_a and notice.candidates == 1
    event = AuditEvent.objects.get(action="rfr.national_notice")
    assert event.force_id == personas.force_a.pk and event.new["crime_reference"] == "NW/4411/26"
    from django.test import Client

    south, north = Client(), Client()
    south.force_login(personas.operator_a)
    north.force_login(personas.operator_b)
    page = south.get("/rfr/national/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "North Wessex Police" in text and "NW/4411/26" in text and "SM-CUST-0001" in text
    assert "stabbing in Andover" in text
    detail = south.get(f"/rfr/national/{notice.pk}/")
    assert detail.status_code == 200 and "SM-CUST-0001" in detail.content.decode()
    # North Wessex reads its own search, not South Mercia's record of it; and never South Mercia's other images.
    assert north.get(f"/rfr/national/{notice.pk}/").status_code == 404
    assert "SM-CUST-0002" not in north.get(f"/rfr/{search.pk}/").content.decode()


def test_deleting_an_unconvicted_persons_image_removes_it_from_every_national_search_at_once(
        personas, photos, galleries):
    wanted, _, _ = galleries
    assert _national(personas, photos).candidates.filter(custody_image=wanted).exists()
    with pytest.raises(PermissionDenied):  # only the owning force deletes its images
        custody_image_delete(actor=personas.operator_b, image=wanted, reason="application granted")
    custody_image_delete(actor=personas.admin_a, image=wanted, reason="the person's deletion application was granted")
    wanted.refresh_from_db()
    assert wanted.embedding is None and not wanted.image and wanted.deletion_granted and wanted.deleted_at
    again = _national(personas, photos, crime_reference="NW/4412/26")
    assert not again.candidates.filter(custody_image=wanted).exists()
    local = rfr.rfr_search_run(actor=personas.operator_a, probe=photos[SAME_PERSON[1]], crime_reference="SM/7/26",
                               probe_source="cctv")
    assert not local.candidates.filter(custody_image=wanted).exists()
    deletion = AuditEvent.objects.get(action="retention.delete", object_id=str(wanted.pk))
    assert deletion.force_id == personas.force_a.pk and deletion.actor_id == personas.admin_a.pk


def test_a_local_search_never_returns_another_forces_image(personas, photos, galleries):
    search = rfr.rfr_search_run(actor=personas.operator_b, probe=photos[SAME_PERSON[1]], crime_reference="NW/9/26",
                                probe_source="cctv")
    assert search.scope == "local"
    assert not search.candidates.exclude(custody_image__force=personas.force_b).exists()
    assert not NationalSearchNotice.objects.exists()


def test_explain_shows_a_local_search_touches_one_partition(personas, galleries):
    wanted, _, _ = galleries
    assert set(partitions()) >= {personas.force_a.pk, personas.force_b.pk}
    literal = vector_literal(wanted.embedding)
    with connection.cursor() as cursor:
        # The branch's parameters: probe, force, kinds, face model (twice: none here), probe again, limit.
        cursor.execute("EXPLAIN " + _GALLERY_BRANCH,
                       [literal, personas.force_a.pk, ["custody"], None, None, literal, 10])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scanned = {name for name in (partition_name(f) for f in partitions()) if f" on {name}" in plan}
    assert scanned == {partition_name(personas.force_a.pk)}, plan
    assert "matching_custodyimage_default" not in plan


def test_both_forces_reports_and_the_regulator_report_count_national_searches(personas, photos, galleries):
    from datetime import timedelta

    from django.utils import timezone

    from oversight.audit.checkpoints import checkpoint_make
    from oversight.reports.regulator import regulator_report
    from oversight.transparency.figures.report import report_figures

    _national(personas, photos)
    rfr.rfr_search_run(actor=personas.operator_b, probe=photos[SAME_PERSON[1]], crime_reference="NW/10/26",
                       probe_source="cctv")
    today = timezone.localdate()
    start, end = today - timedelta(days=1), today + timedelta(days=1)
    north = report_figures(force=personas.force_b, period_start=start, period_end=end)["rfr"]
    south = report_figures(force=personas.force_a, period_start=start, period_end=end)["rfr"]
    assert (north["searches"], north["national_searches"], north["national_searches_received"]) == (2, 1, 0)
    assert (south["searches"], south["national_searches"], south["national_searches_received"]) == (0, 0, 1)
    report = regulator_report(forces=[personas.force_a, personas.force_b], start=start, end=end,
                              checkpoint=checkpoint_make())
    assert report.rfr["searches"] == 2 and report.rfr["national"] == 1 and report.rfr["national_received"] == 1


def test_the_investigator_runs_a_national_search_from_the_page_in_plain_words(personas, photos, galleries):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client()
    client.force_login(personas.operator_b)
    form = client.get("/rfr/").content.decode()
    assert "Every force" in form and "Superintendent" in form  # the authorising officers, by rank

    def post(**extra):
        data = {"probe": SimpleUploadedFile("p.jpg", photos[SAME_PERSON[1]], content_type="image/jpeg"),
                "crime_reference": "NW/77/26", "probe_source": "cctv", "candidate_list_length": 5,
                "scope": "national", "national_purpose": PURPOSE}
        data.update(extra)
        return client.post("/rfr/", data)

    refused = post()  # a Sergeant on his own authority
    text = refused.content.decode()
    assert refused.status_code == 400 and "rank of Inspector or above" in text
    assert "R19" not in text and "rfr.national" not in text
    assert not RfrSearch.objects.exists()
    done = post(authorised_by=personas.approver_b.pk)
    assert done.status_code == 302
    search = RfrSearch.objects.get()
    page = client.get(done["Location"]).content.decode()
    assert "a national search" in page and "SM-CUST-0001" in page and "South Mercia Police" in page
    assert search.authorised_by == personas.approver_b


def test_the_retention_run_deletes_an_unconvicted_persons_image_when_the_policy_says(personas, photos, galleries):
    from datetime import date

    from matching.models import CustodyImage, Deletion
    from matching.services.retention import retention_run

    wanted, other, _ = galleries
    CustodyImage.objects.filter(pk=wanted.pk).update(taken_on=date(2019, 1, 1))  # past the six years
    CustodyImage.objects.filter(pk=other.pk).update(taken_on=date(2019, 1, 1))  # convicted: kept
    report = retention_run()
    assert report.custody_images == 1
    wanted.refresh_from_db()
    other.refresh_from_db()
    assert wanted.deleted_at is not None and wanted.embedding is None
    assert other.deleted_at is None and other.embedding is not None
    deletion = Deletion.objects.get(kind="custody_image")
    assert deletion.force == personas.force_a and deletion.object_id == str(wanted.pk)
    assert deletion.policy_setting.key == "retention.unconvicted_custody_image_days"
    assert not _national(personas, photos).candidates.filter(custody_image=wanted).exists()
    assert not [v for v in report.breaches if v.rule == "R22-deletion-audited"]


def test_the_owning_force_deletes_through_the_api_and_no_other_force_can(personas, photos, galleries):
    wanted, _, _ = galleries
    url = f"/api/gallery/{wanted.pk}/delete/"
    assert personas.api(personas.operator_b).post(url, {"reason": "asked"}, format="json").status_code == 404
    assert personas.api(personas.admin_a).post(url, {}, format="json").status_code == 400
    done = personas.api(personas.admin_a).post(url, {"reason": "the person's application was granted"}, format="json")
    assert done.status_code == 200 and done.json()["deleted_at"]
    again = personas.api(personas.admin_a).post(url, {"reason": "twice"}, format="json")
    assert again.status_code == 400 and "already deleted" in again.json()["image"][0]


def test_an_unconvicted_persons_image_past_its_period_counts_as_outstanding_until_the_run_deletes_it(
        personas, photos, galleries):
    """Where deletions due but not done are counted (the retention page and API, the period reports), an overdue
    custody image of a person never convicted is counted beside the other kinds; a convicted person's is not."""
    from datetime import date, datetime, timedelta
    from datetime import timezone as dt_timezone

    from django.utils import timezone

    from matching.models import CustodyImage
    from matching.selectors import deletions_report
    from matching.services.retention import retention_run
    from oversight.reports.period import PolicyTimeline, outstanding_deletions

    wanted, other, own = galleries
    CustodyImage.objects.filter(pk__in=[wanted.pk, other.pk]).update(taken_on=date(2019, 1, 1))  # past six years
    now = timezone.now()
    due = [row for row in deletions_report(user=personas.auditor)["outstanding"] if row["kind"] == "custody_image"]
    assert len(due) == 1 and due[0]["overdue"] and due[0]["items"] == 1
    assert due[0]["due_at"] == datetime(2019, 1, 1, tzinfo=dt_timezone.utc) + timedelta(days=2190)
    # Each force sees its own: North Wessex has nothing overdue.
    assert not [r for r in deletions_report(user=personas.operator_b)["outstanding"] if r["kind"] == "custody_image"]
    api = personas.api(personas.auditor).get("/api/retention/deletions/").json()
    assert [r["kind"] for r in api["outstanding"]].count("custody_image") == 1
    from django.test import Client

    browser = Client()
    browser.force_login(personas.auditor)
    page = browser.get("/retention/").content.decode()
    assert "Custody image and template" in page and "Overdue" in page
    # The period reports: it fell due in 2025 and is still held.
    start = datetime(2024, 1, 1, tzinfo=dt_timezone.utc)
    rows = outstanding_deletions(forces=[personas.force_a, personas.force_b], start=start, end=now, as_of=now,
                                 policy=PolicyTimeline())
    held = [r for r in rows if r["kind"] == "custody_image"]
    assert [(r["object_id"], r["force_id"]) for r in held] == [(wanted.pk, personas.force_a.pk)]
    # The oversight dashboard counts it among the deletions overdue: in the year it entered the gallery, since it
    # was already past its period (30 Dec 2024) when it did.
    from oversight.reports.selectors import oversight_dashboard

    def overdue_on_the_dashboard(force):
        year = timezone.localtime(wanted.created_at).year
        return next(r for r in oversight_dashboard(year=year)["rows"] if r["force"] == force)["deletions_overdue"]

    assert overdue_on_the_dashboard(personas.force_a) == 1 and overdue_on_the_dashboard(personas.force_b) == 0

    retention_run()
    assert not [r for r in deletions_report(user=personas.auditor)["outstanding"] if r["kind"] == "custody_image"]
    rows = outstanding_deletions(forces=[personas.force_a], start=start, end=now, as_of=now, policy=PolicyTimeline())
    assert not [r for r in rows if r["kind"] == "custody_image"]
    assert overdue_on_the_dashboard(personas.force_a) == 0


def test_a_national_purpose_longer_than_its_limit_is_a_400_naming_it_and_nothing_is_written(
        personas, photos, galleries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from oversight import bounds

    before = (RfrSearch.objects.count(), NationalSearchNotice.objects.count(), AuditEvent.objects.count())
    response = personas.api(personas.operator_b).post("/api/rfr/searches/", {
        "probe": SimpleUploadedFile("p.jpg", photos[SAME_PERSON[1]], content_type="image/jpeg"),
        "crime_reference": "NW/1/26", "probe_source": "cctv", "scope": "national",
        "national_purpose": PURPOSE + " " + "p" * bounds.NOTE, "authorised_by": personas.approver_b.pk})
    assert response.status_code == 400, response.content
    assert response.json()["national_purpose"][0].startswith("national purpose is too long: ")
    assert "the limit is 2,000" in response.json()["national_purpose"][0]
    assert (RfrSearch.objects.count(), NationalSearchNotice.objects.count(), AuditEvent.objects.count()) == before


def test_a_deletion_reason_longer_than_its_limit_refuses_the_deletion_and_the_image_stays(personas, galleries):
    from oversight import bounds

    wanted, _, _ = galleries
    events = AuditEvent.objects.count()
    response = personas.api(personas.admin_a).post(f"/api/gallery/{wanted.pk}/delete/",
                                                   {"reason": "r" * (bounds.NOTE + 1)}, format="json")
    assert response.status_code == 400
    assert response.json()["reason"] == ["the reason is too long: 2,001 characters; the limit is 2,000"]
    wanted.refresh_from_db()
    assert wanted.deleted_at is None and wanted.embedding is not None and wanted.image
    assert wanted.image.storage.exists(wanted.image.name)
    assert AuditEvent.objects.count() == events
    from matching.models import Deletion

    assert not Deletion.objects.filter(kind="custody_image").exists()
