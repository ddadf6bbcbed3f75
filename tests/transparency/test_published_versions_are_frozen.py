"""Publishing freezes a version: later data changes never alter it; a new version supersedes it and both stay listed."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from matching.services import adjudication
from matching.face.samples import SAME_PERSON
from matching.models import Alert
from oversight.transparency import services
from oversight.transparency.models import ReportStatus, TransparencyReport, TransparencyReportFile
from tests.matching.conftest import make_live
from tests.transparency.helpers import json_of, publish

FORMATS = ("html", "csv", "json", "pdf")


def _fetch(client, report) -> dict[str, bytes]:
    base = f"/transparency/reports/{report.pk}/"
    return {"page": client.get(base).content,
            **{fmt: client.get(f"{base}report.{fmt}").content for fmt in FORMATS if fmt != "html"},
            "html": client.get(f"{base}report.html").content}


def _change_the_data(world, photos):
    """More frames and decisions on the running deployment, a new deployment, a new contact address."""
    p = world.personas
    device_frames = make_live(p, photos)  # another deployment of force A, in the same period
    response = device_frames.send_frames([photos[SAME_PERSON[1]], photos[SAME_PERSON[2]]])
    for pk in [a for r in response.json()["results"] for a in r["alerts"]]:
        adjudication.alert_adjudicate(actor=p.operator_a, alert=Alert.objects.get(pk=pk), decision="true_match")
    p.force_a.contact_email = "new-contact@southmercia.police.example"
    p.force_a.save()


def test_data_changes_never_alter_a_published_version(world, photos, client):
    report = publish(world)
    before = _fetch(client, report)
    assert before["page"] == before["html"]  # the web page is the stored file itself
    _change_the_data(world, photos)
    assert _fetch(client, report) == before
    stored = {f.format: bytes(f.content) for f in TransparencyReportFile.objects.filter(report=report)}
    assert stored == {fmt: before[fmt] for fmt in FORMATS}
    with pytest.raises(ValidationError):
        services.transparency_report_refresh(actor=world.personas.admin_a, report=report)


def test_a_new_version_supersedes_the_old_which_stays_listed(world, photos, client):
    first = publish(world)
    before = _fetch(client, first)
    _change_the_data(world, photos)
    second = publish(world)
    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.status == ReportStatus.SUPERSEDED and first.superseded_by_id == second.pk
    assert second.status == ReportStatus.PUBLISHED
    assert _fetch(client, first) == before
    old, new = json_of(before["json"]), json_of(client.get(f"/transparency/reports/{second.pk}/report.json").content)
    assert new["totals"]["deployments"] == old["totals"]["deployments"] + 1
    assert new["totals"]["confirmed_matches"] == old["totals"]["confirmed_matches"] + 2
    assert new["force"]["contact_email"] == "new-contact@southmercia.police.example"
    for url in ("/transparency/reports/", f"/transparency/forces/{world.personas.force_a.code}/"):
        page = client.get(url).content.decode()
        assert f'data-report="{first.pk}"' in page and f'data-report="{second.pk}"' in page, url
        assert "Superseded" in page


def test_the_database_refuses_to_change_a_published_version(world, client):
    report = publish(world)
    attempts = [
        lambda: TransparencyReport.objects.filter(pk=report.pk).update(snapshot={"totals": {}}),
        lambda: TransparencyReport.objects.filter(pk=report.pk).update(status=ReportStatus.DRAFT),
        lambda: TransparencyReport.objects.filter(pk=report.pk).delete(),
        lambda: TransparencyReportFile.objects.filter(report=report, format="json").update(content=b"{}"),
        lambda: TransparencyReportFile.objects.filter(report=report).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED and report.files.count() == 4


def test_publishing_refuses_figures_the_publisher_did_not_review(world):
    p = world.personas
    draft = services.transparency_report_prepare(actor=p.admin_a, force=p.force_a, period_start=world.period_start,
                                                 period_end=world.period_end)
    seen = draft.snapshot_sha256
    # Recomputing counts the audit log again (it grew by the preparation itself), so the digest changes.
    refreshed = services.transparency_report_refresh(actor=p.approver_a, report=draft)
    assert refreshed.snapshot_sha256 != seen
    with pytest.raises(ValidationError, match="reviewed"):
        services.transparency_report_publish(actor=p.oversight_admin, report=draft, snapshot_sha256=seen)
    published = services.transparency_report_publish(actor=p.oversight_admin, report=draft,
                                                     snapshot_sha256=refreshed.snapshot_sha256)
    assert published.status == ReportStatus.PUBLISHED
    with pytest.raises(ValidationError, match="already"):
        services.transparency_report_publish(actor=p.oversight_admin, report=published)
    second = services.transparency_report_prepare(actor=p.admin_a, force=p.force_a, period_start=world.period_start,
                                                  period_end=world.period_end)
    assert second.version == 2
    with pytest.raises(ValidationError, match="already a draft"):
        services.transparency_report_prepare(actor=p.admin_a, force=p.force_a, period_start=world.period_start,
                                             period_end=world.period_end)
