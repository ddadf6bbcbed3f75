"""The public sees published reports only; a force sees its own drafts; auditors see every draft; only the
oversight body publishes, or a force administrator when the policy setting allows it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.utils import timezone

from deployments import services as governance
from oversight import services as ground
from oversight.models import Rank, Role
from oversight.transparency import services
from oversight.transparency.models import ReportStatus
from tests.conftest import PASSWORD
from tests.transparency.conftest import admin_may_publish

FORMATS = ("html", "csv", "json", "pdf")


def _period():
    today = timezone.localdate()
    return today.replace(day=1), today


def _draft(personas, force=None, preparer=None):
    start, end = _period()
    return services.transparency_report_prepare(actor=preparer or personas.admin_a, force=force or personas.force_a,
                                                period_start=start, period_end=end)


def _urls(report) -> list[str]:
    return [f"/transparency/reports/{report.pk}/"] + [f"/transparency/reports/{report.pk}/report.{f}" for f in FORMATS
                                                      if f != "html"]


def _status(client, user, url) -> int:
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


def test_the_public_sees_a_report_only_once_it_is_published(personas, client):
    draft = _draft(personas)
    for url in _urls(draft):
        assert _status(client, None, url) == 404, url
    assert f'data-report="{draft.pk}"' not in client.get("/transparency/reports/").content.decode()
    assert f'data-report="{draft.pk}"' not in client.get(f"/transparency/forces/{personas.force_a.code}/").content.decode()
    services.transparency_report_publish(actor=personas.oversight_admin, report=draft)
    for url in _urls(draft):
        assert _status(client, None, url) == 200, url
    assert f'data-report="{draft.pk}"' in client.get("/transparency/reports/").content.decode()


def test_a_force_sees_its_own_drafts_only(personas, client):
    draft_a = _draft(personas)
    draft_b = _draft(personas, force=personas.force_b, preparer=personas.approver_b)
    for user in (personas.admin_a, personas.approver_a, personas.operator_a):
        assert all(_status(client, user, url) == 200 for url in _urls(draft_a)), user
        assert all(_status(client, user, url) == 404 for url in _urls(draft_b)), user
        assert _status(client, user, f"/transparency/manage/reports/{draft_b.pk}/") == 404
    for user in (personas.approver_b, personas.operator_b):
        assert all(_status(client, user, url) == 404 for url in _urls(draft_a)), user
    client.force_login(personas.operator_b)
    listed = client.get("/transparency/manage/").content.decode()
    assert f"/transparency/manage/reports/{draft_b.pk}/" in listed
    assert f"/transparency/manage/reports/{draft_a.pk}/" not in listed


def test_auditors_see_every_forces_drafts(personas, client):
    drafts = [_draft(personas), _draft(personas, force=personas.force_b, preparer=personas.approver_b)]
    for user in (personas.auditor, personas.oversight_admin):
        for draft in drafts:
            assert all(_status(client, user, url) == 200 for url in _urls(draft)), (user, draft)
    page = client.get(f"/transparency/reports/{drafts[0].pk}/").content.decode()
    assert "Draft – not published" in page


def test_an_operator_can_neither_prepare_nor_publish(personas, client):
    start, end = _period()
    with pytest.raises(PermissionDenied):
        services.transparency_report_prepare(actor=personas.operator_a, force=personas.force_a, period_start=start,
                                             period_end=end)
    with pytest.raises(PermissionDenied):  # an approver of another force cannot prepare force A's report
        services.transparency_report_prepare(actor=personas.approver_b, force=personas.force_a, period_start=start,
                                             period_end=end)
    draft = _draft(personas)
    admin_may_publish(personas, True)
    for user in (personas.operator_a, personas.approver_a, personas.auditor, personas.operator_b):
        with pytest.raises(PermissionDenied):
            services.transparency_report_publish(actor=user, report=draft)
        client.force_login(user)
        response = client.post(f"/transparency/manage/reports/{draft.pk}/publish/",
                               {"snapshot_sha256": draft.snapshot_sha256})
        assert response.status_code in (403, 404), user
    client.force_login(personas.operator_a)
    assert client.post("/transparency/manage/", {"period_start": start, "period_end": end}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and not draft.files.exists()


def test_a_force_admin_publishes_only_when_the_policy_allows(personas, client):
    draft = _draft(personas)
    with pytest.raises(PermissionDenied, match="publication.force_admin_may_publish"):
        services.transparency_report_publish(actor=personas.admin_a, report=draft)
    admin_b = ground.user_create(actor=personas.oversight_admin, username="bob.admin", password=PASSWORD,
                                 role=Role.FORCE_ADMIN, force=personas.force_b, rank=Rank.CHIEF_INSPECTOR)
    admin_may_publish(personas, True)
    with pytest.raises(PermissionDenied):  # allowed for their own force only
        services.transparency_report_publish(actor=admin_b, report=draft)
    client.force_login(personas.admin_a)
    response = client.post(f"/transparency/manage/reports/{draft.pk}/publish/",
                           {"snapshot_sha256": draft.snapshot_sha256})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReportStatus.PUBLISHED and draft.published_by == personas.admin_a
    admin_may_publish(personas, False)
    second = _draft(personas)
    with pytest.raises(PermissionDenied):
        services.transparency_report_publish(actor=personas.admin_a, report=second)


def test_unpublished_documents_and_categories_stay_private(personas, client):
    today = timezone.localdate()
    hidden = governance.policy_document_add(
        actor=personas.approver_a, force=personas.force_a, kind="dpia", title="Unpublished DPIA draft", version="0.9",
        approved_on=today - timedelta(days=2), next_review_on=today + timedelta(days=200), published=False,
        file=ContentFile(b"draft text\n", name="dpia.txt"))
    shown = governance.policy_document_add(
        actor=personas.approver_a, force=personas.force_a, kind="apd", title="Appropriate policy document",
        version="1.0", approved_on=today - timedelta(days=2), next_review_on=today + timedelta(days=200),
        published=True, file=ContentFile(b"published text\n", name="apd.txt"))
    governance.watchlist_category_create(actor=personas.admin_a, force=personas.force_a, code="unpublished-trial",
                                         name="Trial category not yet public", public_description="Not public.",
                                         published=False)
    code = personas.force_a.code
    assert client.get(f"/transparency/forces/{code}/documents/{hidden.pk}/").status_code == 404
    assert client.get(f"/transparency/forces/{personas.force_b.code}/documents/{shown.pk}/").status_code == 404
    download = client.get(f"/transparency/forces/{code}/documents/{shown.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"published text\n"
    report = services.transparency_report_publish(actor=personas.oversight_admin, report=_draft(personas))
    surfaces = [client.get(f"/transparency/forces/{code}/").content,
                client.get(f"/transparency/reports/{report.pk}/").content,
                client.get(f"/transparency/reports/{report.pk}/report.json").content,
                client.get(f"/transparency/forces/{code}/atrs/lfr.json").content]
    for body in surfaces:
        assert b"Unpublished DPIA draft" not in body and b"Trial category not yet public" not in body
        assert b"unpublished-trial" not in body
    assert b"Appropriate policy document" in surfaces[0]


def test_a_withdrawn_version_stays_listed_but_is_no_longer_served(personas, client):
    report = services.transparency_report_publish(actor=personas.oversight_admin, report=_draft(personas))
    with pytest.raises(PermissionDenied):
        services.transparency_report_withdraw(actor=personas.admin_a, report=report, reason="A mistake was found.")
    services.transparency_report_withdraw(actor=personas.oversight_admin, report=report,
                                          reason="Figures for one deployment were wrong; a correction follows.")
    assert client.get(f"/transparency/reports/{report.pk}/").status_code == 410
    assert all(client.get(url).status_code == 404 for url in _urls(report)[1:])
    listed = client.get("/transparency/reports/").content.decode()
    assert f'data-report="{report.pk}"' in listed and "a correction follows" in listed
