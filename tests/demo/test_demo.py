"""`manage.py demo` tells the whole story through the real services, and can be run twice."""
from io import StringIO

from django.core.management import call_command
from django.test import Client

from deployments.complaints.models import Complaint
from deployments.complaints.selectors import complaints_overdue
from deployments.models import Asset, Consultation, Deployment
from matching.models import Alert, Deletion, OifrCheck, RfrSearch
from oversight.audit.verify import verify_log
from oversight.models import Force, Role, User
from oversight.reports.models import ReportRun
from oversight.transparency.models import TransparencyReport


def test_the_demo_tells_the_story_and_prints_where_to_look(demo):
    printed = demo.printed  # what `manage.py demo` printed, run once for the folder (tests/demo/conftest.py)
    assert Force.objects.count() == 2 + 7  # the two forces of the story and the seven the national vans went to
    van_forces = {van.code: sorted(van.allocated_to.values_list("code", flat=True))
                  for van in Asset.objects.filter(kind="van")}
    assert len(van_forces) == 10 and van_forces["lfr-van-01"] == ["greater-manchester"]
    assert van_forces["lfr-van-07"] == ["surrey", "sussex"] and van_forces["lfr-van-10"] == ["hampshire", "thames-valley"]
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert "sm.approver" in printed and "sm-approver-demo" in printed and "/live/" in printed

    live = Deployment.objects.get(title__startswith="Foregate Street")
    assert live.status == "active"
    alerts = Alert.objects.filter(deployment=live)
    assert alerts.count() >= 2 and alerts.filter(adjudication__isnull=True).count() == 1
    assert Deployment.objects.filter(status="stopped").count() == 1  # the lapsed urgent authorisation
    assert Deployment.objects.filter(status="submitted", force__code="north-wessex").count() == 1
    assert Deployment.objects.filter(status="submitted", force__code="south-mercia").count() == 1
    assert Deletion.objects.filter(kind="watchlist_template").exists()
    assert RfrSearch.objects.count() == 1 and OifrCheck.objects.count() == 1
    # The vendor's system: its package verified, one alert accepted (one refused, not stored), its copy deleted.
    external = Deployment.objects.get(algorithm_version__external=True)
    assert external.status == "ended"
    assert Alert.objects.filter(deployment=external, package__isnull=False, embedding__isnull=True).count() == 1
    assert Deletion.objects.filter(kind="vendor_package", deployment=external).count() == 1
    assert Consultation.objects.filter(deployment__force__code="south-mercia",
                                       deployment__status="submitted").count() == 2
    assert sorted(Complaint.objects.values_list("status", flat=True)) == ["answered", "received"]
    assert len(complaints_overdue()) == 1  # the phone check nobody has passed on yet
    assert verify_log().ok
    run = ReportRun.objects.get()
    assert run.status == "done" and run.all_forces and run.pages > 0 and run.summary["verified"] is True
    published = TransparencyReport.objects.get(force__code="south-mercia")
    assert published.status == "published"
    assert f"/oversight/reports/{run.pk}/" in printed and f"/transparency/reports/{published.pk}/" in printed

    again = StringIO()
    call_command("demo", stdout=again)
    assert "told before" in again.getvalue() and Deployment.objects.filter(title=live.title).count() == 1

    client = Client()
    assert client.login(username="sm.operator", password="sm-operator-demo")
    assert b"South Mercia Police" in client.get("/", follow=True).content
