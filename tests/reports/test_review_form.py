"""The post-deployment review (rule 23) is a page: the force's people record it once the deployment has ended;
a missing answer is a 400 naming the field and writes nothing; the review then has its own record page."""
from __future__ import annotations

from django.test import Client

from deployments.models import PostDeploymentReview, Status
from oversight.models import AuditEvent


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_force_records_the_review_of_an_ended_deployment_through_the_page(world):
    p, deployment = world.personas, world.live
    assert deployment.status == Status.ENDED
    url = f"/deployments/{deployment.pk}/post-deployment-review/"
    assert f'href="{url}"' in page_client(p.operator_a).get(f"/deployments/{deployment.pk}/").content.decode()
    operator = page_client(p.operator_a)
    form = operator.get(url)
    assert form.status_code == 200 and "review due" in form.content.decode()
    events = AuditEvent.objects.count()
    refused = operator.post(url, {"outcomes_against_objective": "", "false_alerts": "1", "complaints": "none",
                                  "deletion_evidence": "Deletion log entries for every template."})
    assert refused.status_code == 400
    assert ">Outcomes against the policing objective:" in refused.content.decode()
    assert not PostDeploymentReview.objects.exists() and AuditEvent.objects.count() == events

    done = operator.post(url, {"outcomes_against_objective": "Two wanted people found; one arrest.",
                               "false_alerts": "1", "complaints": "none",
                               "deletion_evidence": "Deletion log entries for every template."})
    review = PostDeploymentReview.objects.get(deployment=deployment)
    assert done.status_code == 302 and done["Location"] == f"/records/reviews/{review.pk}/"
    assert review.reviewed_by == p.operator_a and review.false_alerts == 1
    assert AuditEvent.objects.filter(object_type="deployments.deployment", object_id=str(deployment.pk),
                                     actor=p.operator_a).exists()
    page = page_client(p.auditor).get(f"/records/reviews/{review.pk}/").content.decode()
    assert "Two wanted people found; one arrest." in page and "late" in page  # it was overdue in the world
    assert operator.get(url)["Location"] == f"/records/reviews/{review.pk}/"  # recorded once


def test_other_forces_auditors_and_the_public_cannot_record_it(world):
    p = world.personas
    url = f"/deployments/{world.live.pk}/post-deployment-review/"
    assert page_client(p.operator_b).get(url).status_code == 404
    assert page_client(p.auditor).post(url, {}).status_code == 403
    assert page_client(None).get(url).status_code == 302
    assert not PostDeploymentReview.objects.exists()
