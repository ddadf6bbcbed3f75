"""A world of known data for the oversight workspace, built only through the platform's own services.

Force A ("South Mercia") has, in the week around today:
- a live dlib deployment with one enrolled face that saw five real frames and raised four alerts: a true
  match that led to an arrest, a false alert, an inconclusive one followed by a conversation, and one never
  adjudicated; it then ended, and its post-deployment review is overdue;
- an urgent authorisation by an Inspector that nobody reviewed, so the scheduled job let it lapse;
- a deployment with an unconvicted person and an under-18 (second-approved) on its watchlist, refused by an
  Inspector below the authorising rank (a blocking rule recorded as broken);
- alert images deleted late under a short retention policy, one alert image overdue, a watchlist deleted
  on time; one RFR search with a corroborated candidate; two OIFR checks;
- an audit by the oversight body with a sample, a finding, a recommendation and the force's response.
Force B ("North Wessex") has only a policy document past its review date.

The world is built once for this folder of tests (tests/worlds.py); each test is rolled back to it.

Times: policies are changed at the start to one hour of alert retention, 72 minutes to review a
deployment and 30 minutes to review an urgent authorisation, so that `AS_OF` (two hours on) finds real
overdue items without waiting.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from deployments import services as governance
from deployments.complaints import services as complaints
from deployments.models import Deployment
from matching.services import adjudication, enrolment, rfr
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert
from matching.services.retention import retention_run
from oversight import services as ground
from oversight.models import Rank, Role
from oversight.reports import audits
from tests.conftest import PASSWORD, make_personas
from tests.deployments.factories import JUSTIFICATION, face, lfr_deployment, text_file
from tests.matching.conftest import make_live
from tests.worlds import world_once

REASONS = "Necessary and proportionate: the objective cannot be met by less intrusive means."


def make_inspector(personas):
    return ground.user_create(actor=personas.oversight_admin, username="ian.inspector", password=PASSWORD,
                              role=Role.FORCE_APPROVER, force=personas.force_a, rank=Rank.INSPECTOR,
                              first_name="Ian", last_name="Inspector")


@dataclass
class World:
    personas: object
    live: Deployment
    urgent: Deployment
    refused: Deployment
    alerts: dict[str, Alert]
    audit: object
    start: date
    end: date
    as_of: object
    media: Path | None = None

    @property
    def forces(self):
        return [self.personas.force_a, self.personas.force_b]


def _alert_of(live, before: set[int]) -> list[Alert]:
    return list(Alert.objects.filter(deployment=live.deployment).exclude(pk__in=before).order_by("pk"))


@pytest.fixture(scope="package")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory, photos):
    media = tmp_path_factory.mktemp("reports-world-media")
    with world_once(lambda: build_world(make_personas(), photos), django_db_blocker=django_db_blocker,
                    media=media) as world:
        world.media = media
        yield world


@pytest.fixture
def world(built_world, db, settings) -> World:
    settings.MEDIA_ROOT = built_world.media
    return built_world


@pytest.fixture
def personas(request, db):
    """The world's personas when a test uses the world; fresh ones otherwise."""
    if "world" in request.fixturenames:
        return request.getfixturevalue("world").personas
    return make_personas()


def build_world(personas, photos) -> World:
    p = personas
    inspector_a = make_inspector(p)
    today = timezone.localdate()
    ground.policy_setting_version_add(actor=p.oversight_admin, key="retention.alert_image_days", value=1 / 24,
                                      reason="Test: the short South Wales retention of alert images.")
    ground.policy_setting_version_add(actor=p.oversight_admin, key="review.post_deployment_days", value=0.05,
                                      reason="Test: reviews due within 72 minutes of the end.")

    # The live deployment: real frames, real alerts.
    live = make_live(p, photos)
    response = live.send_frames([photos[SAME_PERSON[1]], photos[SAME_PERSON[2]], photos[SAME_PERSON[0]]])
    assert response.status_code == 200, response.content
    first = _alert_of(live, set())
    assert len(first) == 3
    retention_run(now=timezone.now() + timedelta(minutes=90))  # the three alert images go 30 minutes late
    response = live.send_frames([photos[SAME_PERSON[1]], photos[OTHER_PERSON]])
    assert response.status_code == 200, response.content
    last = _alert_of(live, {a.pk for a in first})
    assert len(last) == 1
    true, false, inconclusive, undecided = first + last
    adjudication.alert_adjudicate(actor=p.operator_a, alert=true, decision="true_match")
    adjudication.engagement_record(actor=p.operator_a, alert=true, outcome="arrested", duration_minutes=12)
    adjudication.alert_adjudicate(actor=p.operator_a, alert=false, decision="false_alert",
                                  note="Wrong person: different age and build.")
    adjudication.alert_adjudicate(actor=p.operator_a, alert=inconclusive, decision="inconclusive")
    adjudication.engagement_record(actor=p.operator_a, alert=inconclusive, outcome="spoken_to", duration_minutes=4)
    governance.deployment_end(actor=p.operator_a, deployment=live.deployment)
    retention_run(now=timezone.now() + timedelta(minutes=10))  # the watchlist goes on time

    # An urgent authorisation nobody reviewed: under a 30-minute review policy it lapses before `AS_OF`.
    ground.policy_setting_version_add(actor=p.oversight_admin, key="lfr.urgent_review_hours", value=0.5,
                                      reason="Test: urgent authorisations reviewed within 30 minutes.")
    urgent = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a,
                            title="Bull Ring, urgent operation")
    auth = governance.deployment_urgent_authorise(actor=inspector_a, deployment=urgent, reasons=REASONS)
    governance.deployment_activate(actor=p.operator_a, deployment=urgent)
    governance.urgent_authorisations_enforce(auth.urgent_review_due_at + timedelta(minutes=1))

    # A deployment refused by an Inspector, with an unconvicted person and an under-18 on its watchlist.
    refused = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, stage="draft",
                             title="Digbeth coach station")
    watchlist = refused.watchlist
    common = dict(justification=JUSTIFICATION, image_source_system="Force custody system",
                  image_date=today - timedelta(days=365 * 12), quality_check="passed")
    governance.watchlist_entry_add(actor=p.operator_a, watchlist=watchlist, subject_reference="UNCONV-0001",
                                   category="suspected-offence", legal_basis_codes=["PACE-S64A-CUSTODY"],
                                   subject_kind="suspect", unconvicted=True,
                                   image=ContentFile(face(0), name="u.jpg"), **common)
    child = governance.watchlist_entry_add(
        actor=p.operator_a, watchlist=watchlist, subject_reference="MISSING-0001", category="missing-at-risk",
        legal_basis_codes=["DPA18-SCH8-P3"], subject_kind="missing", under_18=True,
        harm_justification="A 15-year-old missing for three days and believed to be at risk of exploitation.",
        image=ContentFile(face(1), name="c.jpg"), **(common | {"image_date": today - timedelta(days=30)}))
    governance.watchlist_entry_second_approve(actor=p.approver_a, entry=child)
    governance.watchlist_review(actor=p.operator_a, watchlist=watchlist, notes="Checked every entry again.")
    governance.deployment_submit(actor=p.operator_a, deployment=refused)
    governance.deployment_refuse(actor=inspector_a, deployment=refused,
                                 reasons="Not shown to be necessary: the coach station intelligence is stale.")

    # RFR and OIFR.
    enrolment.gallery_enrol(actor=p.operator_a, force=p.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-0001")
    enrolment.gallery_enrol(actor=p.operator_a, force=p.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-0002")
    search = rfr.rfr_search_run(actor=p.operator_a, probe=photos[SAME_PERSON[1]], crime_reference="SM/77/26",
                                probe_source="cctv", candidate_list_length=5)
    rfr.rfr_candidate_mark(actor=p.operator_a, candidate=search.candidates.order_by("rank").first(),
                           status="corroborated", note="Matches the suspect's tattoo on the CCTV.")
    rfr.oifr_check_run(actor=p.operator_a, photo=photos[SAME_PERSON[2]], reason="refuses", subject_category="wanted",
                       place_type="public")
    rfr.oifr_check_run(actor=p.operator_a, photo=photos[OTHER_PERSON], reason="unable", subject_category="at_risk",
                       place_type="home",
                       harm_declaration="Found collapsed at home, unable to speak; significant risk of harm.")

    # Complaints from the public: one about the live deployment, passed to force A and upheld; one about an RFR
    # search, passed on and waiting for the answer; one closed by the oversight body; one about force B, unread.
    upheld = complaints.complaint_file(force=p.force_a, subject="deployment", address="192.0.2.11",
                                       deployment_reference=f"LFR-{live.deployment.pk}",
                                       description="No signs at the east entrance, so I walked in unwarned.",
                                       contact_email="walker@example.org")
    complaints.complaint_assign(actor=p.auditor, complaint=upheld, note="Check the signs at every entrance.")
    complaints.complaint_respond(actor=p.approver_a, complaint=upheld, outcome="upheld",
                                 response="The east entrance had no sign; signs now go up before the van arrives.")
    waiting = complaints.complaint_file(force=p.force_a, subject="rfr", address="192.0.2.12",
                                        description="My photo from a doorbell was searched without my knowing.")
    complaints.complaint_assign(actor=p.auditor, complaint=waiting, note="Was a search made, and on what basis?")
    closed = complaints.complaint_file(force=p.force_a, subject="force", address="192.0.2.13",
                                       description="The shopping centre's own cameras recognise faces too.")
    complaints.complaint_close(actor=p.oversight_admin, complaint=closed,
                               note="The shopping centre is not the police: the ICO handles private cameras.")
    complaints.complaint_file(force=p.force_b, subject="oifr", address="192.0.2.14",
                              description="An officer photographed me with a phone at the bus station.")

    # Force B: a DPIA whose review date has passed.
    governance.policy_document_add(actor=p.approver_b, force=p.force_b, kind="dpia", title="LFR DPIA", version="0.9",
                                   approved_on=today - timedelta(days=400), next_review_on=today - timedelta(days=10),
                                   file=text_file("DPIA of North Wessex.\n"))

    # The oversight body's audit of force A, and the force's response.
    audit = audits.force_audit_open(actor=p.auditor, force=p.force_a, scope="Adjudication of alerts and deletion.",
                                    period_start=today - timedelta(days=7), period_end=today + timedelta(days=7))
    audits.force_audit_sample(actor=p.auditor, audit=audit, deployments=2, alerts=2, seed=20261122)
    finding = audits.audit_finding_add(actor=p.auditor, audit=audit, severity="high",
                                       text="An alert was never adjudicated by an officer.",
                                       linked_kind="alert", linked_id=str(undecided.pk))
    rec = audits.audit_recommendation_add(actor=p.auditor, audit=audit, finding=finding,
                                          text="Adjudicate every alert before the end of each shift.",
                                          deadline=today + timedelta(days=30))
    audits.recommendation_respond(actor=p.admin_a, recommendation=rec, decision="accepted",
                                  text="Accepted: the shift briefing now includes the alert queue.")

    return World(personas=p, live=Deployment.objects.get(pk=live.deployment.pk),
                 urgent=Deployment.objects.get(pk=urgent.pk), refused=Deployment.objects.get(pk=refused.pk),
                 alerts={"true": true, "false": false, "inconclusive": inconclusive, "undecided": undecided},
                 audit=audit, start=today - timedelta(days=7), end=today + timedelta(days=7),
                 as_of=timezone.now() + timedelta(hours=2))
