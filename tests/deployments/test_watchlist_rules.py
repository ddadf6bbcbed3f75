"""Rules 8-14: each broken once and met once, through the watchlist services, by its identifier."""
from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile

from deployments import rules, selectors, services
from deployments.models import DeletionStatus, Status
from tests.deployments.factories import JUSTIFICATION, face, lfr_deployment
from tests.deployments.helpers import REASONS, refused_by, status_of

EXTRA = "A witness to the murder who is at risk of intimidation and has asked the police to find them."
HARM = "Missing 15-year-old at significant risk of sexual exploitation, believed to be at the station."


def add(personas, deployment, **changes):
    values = dict(actor=personas.operator_a, watchlist=deployment.watchlist, subject_reference="NEW-0001",
                  category="wanted-by-court", legal_basis_codes=["PACE-S64A-CUSTODY"], subject_kind="wanted",
                  justification=JUSTIFICATION, image=ContentFile(face(), name="x.jpg"),
                  image_source_system="PND custody", image_date=date.today() - timedelta(days=100),
                  quality_check="passed")
    return services.watchlist_entry_add(**(values | changes))


def review_and_authorise(personas, deployment):
    services.watchlist_review(actor=personas.operator_a, watchlist=deployment.watchlist, notes="checked")
    services.deployment_submit(actor=personas.operator_a, deployment=deployment)
    return services.deployment_authorise(actor=personas.approver_a, deployment=deployment, reasons=REASONS)


# R08 ---------------------------------------------------------------------------------------------
def test_r08_an_of_interest_category_is_refused(personas, draft):
    with refused_by("R08-closed-category", "category") as info:
        add(personas, draft, category="persons-of-interest")
    assert "of interest" in " ".join(info.value.messages)


def test_r08_an_unknown_or_unpublished_category_is_refused(personas, draft):
    with refused_by("R08-closed-category", "category"):
        add(personas, draft, category="gang-members")
    services.watchlist_category_create(actor=personas.admin_a, force=personas.force_a, code="trespassers",
                                       name="Trespassers", public_description="Not yet approved.", published=False)
    with refused_by("R08-closed-category", "category"):
        add(personas, draft, category="trespassers")


def test_r08_another_forces_category_is_refused(personas, draft):
    from deployments.models import WatchlistCategory, WatchlistEntry

    theirs = WatchlistCategory.objects.get(force=personas.force_b, code="wanted-by-court")
    entry = WatchlistEntry(watchlist=draft.watchlist, category=theirs, subject_kind="wanted")
    facts = rules.EntryFacts(entry=entry, category=theirs, category_code=theirs.code, bases=(), has_image=True)
    assert "R08-closed-category" in rules.check_entry(facts, deployment=draft).rule_ids()


def test_r08_a_witness_needs_an_extra_justification(personas, draft):
    with refused_by("R08-closed-category", "extra_justification"):
        add(personas, draft, subject_kind="witness", category="risk-of-harm")
    entry = add(personas, draft, subject_kind="witness", category="risk-of-harm", extra_justification=EXTRA)
    assert entry.category.code == "risk-of-harm"


def test_r08_a_published_category_is_accepted(personas, draft):
    assert add(personas, draft).category.published


# R09 ---------------------------------------------------------------------------------------------
def test_r09_an_entry_without_a_real_justification_is_refused(personas, draft):
    with refused_by("R09-entry-provenance", "justification"):
        add(personas, draft, justification="Wanted.")


def test_r09_an_entry_needs_source_legal_basis_date_quality_and_image(personas, draft):
    with refused_by("R09-entry-provenance") as info:
        add(personas, draft, image_source_system="", legal_basis_codes=[], image_date=None, quality_check="",
            image=None)
    fields = {v.field for v in info.value.violations}
    assert fields == {"image_source_system", "legal_bases", "image_date", "quality_check", "image"}


def test_r09_an_unknown_legal_basis_or_failed_quality_check_is_refused(personas, draft):
    with refused_by("R09-entry-provenance", "legal_bases"):
        add(personas, draft, legal_basis_codes=["MADE-UP-POWER"])
    with refused_by("R09-entry-provenance", "quality_check"):
        add(personas, draft, quality_check="failed")


def test_r09_a_complete_entry_is_accepted(personas, draft):
    entry = add(personas, draft)
    assert [b.code for b in entry.legal_bases.all()] == ["PACE-S64A-CUSTODY"]
    assert len(entry.image_sha256) == 64


# R10 ---------------------------------------------------------------------------------------------
def test_r10_a_change_after_the_review_needs_a_new_review(personas, draft):
    add(personas, draft)
    with refused_by("R10-watchlist-review", "watchlist") as info:
        services.deployment_submit(actor=personas.operator_a, deployment=draft)
    assert "not been reviewed since" in " ".join(info.value.messages)


def test_r10_a_watchlist_built_too_early_is_refused(personas):
    draft = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                           stage="draft", starts_in=timedelta(days=3))
    with refused_by("R10-watchlist-review", "watchlist") as info:
        services.deployment_submit(actor=personas.operator_a, deployment=draft)
    assert "rebuild it" in " ".join(info.value.messages)


def test_r10_a_reviewed_fresh_watchlist_meets_it(personas, draft):
    add(personas, draft)
    auth = review_and_authorise(personas, draft)
    assert status_of(auth.rule_results, "R10-watchlist-review") == "met"


# R11 ---------------------------------------------------------------------------------------------
def test_r11_expected_false_alerts_above_the_tolerance_warn_the_approver(personas):
    draft = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                           stage="submitted", expected_faces=500_000_000)
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=draft, reasons=REASONS)
    assert status_of(auth.rule_results, "R11-expected-false-alerts") == "warning"
    assert auth.expected_false_alerts > 1 and auth.watchlist_size == 3


def test_r11_expected_false_alerts_within_the_tolerance_meet_it(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert status_of(auth.rule_results, "R11-expected-false-alerts") == "met"
    assert auth.expected_false_alerts < 1


# R12 ---------------------------------------------------------------------------------------------
def test_r12_an_under_18_needs_a_harm_justification(personas, draft):
    with refused_by("R12-under-18", "harm_justification"):
        add(personas, draft, under_18=True, subject_kind="missing", category="missing-at-risk")


def test_r12_an_under_18_needs_a_second_approval(personas, draft):
    add(personas, draft, under_18=True, subject_kind="missing", category="missing-at-risk",
        harm_justification=HARM, legal_basis_codes=["DPA18-SCH8-P4"])
    services.watchlist_review(actor=personas.operator_a, watchlist=draft.watchlist)
    with refused_by("R12-under-18", "watchlist") as info:
        services.deployment_submit(actor=personas.operator_a, deployment=draft)
    assert "second approval" in " ".join(info.value.messages)


def test_r12_a_second_approval_by_another_approver_meets_it(personas, draft):
    entry = add(personas, draft, under_18=True, subject_kind="missing", category="missing-at-risk",
                harm_justification=HARM, legal_basis_codes=["DPA18-SCH8-P4"])
    services.watchlist_entry_second_approve(actor=personas.approver_a, entry=entry)
    auth = review_and_authorise(personas, draft)
    assert status_of(auth.rule_results, "R12-under-18") == "met"


def test_r12_the_second_approver_is_a_different_approver_of_the_same_force(personas, draft):
    import pytest
    from django.core.exceptions import PermissionDenied, ValidationError

    entry = add(personas, draft, actor=personas.approver_a, under_18=True, subject_kind="missing",
                category="missing-at-risk", harm_justification=HARM, legal_basis_codes=["DPA18-SCH8-P4"])
    with pytest.raises(ValidationError):
        services.watchlist_entry_second_approve(actor=personas.approver_a, entry=entry)
    with pytest.raises(PermissionDenied):
        services.watchlist_entry_second_approve(actor=personas.operator_a, entry=entry)
    with pytest.raises(PermissionDenied):
        services.watchlist_entry_second_approve(actor=personas.approver_b, entry=entry)


# R13 ---------------------------------------------------------------------------------------------
def test_r13_an_image_whose_deletion_was_granted_is_refused(personas, draft):
    with refused_by("R13-deletion-granted", "deletion_status"):
        add(personas, draft, unconvicted=True, deletion_status=DeletionStatus.GRANTED)
    entry = draft.watchlist.entries.first()
    services.watchlist_entry_deletion_status_set(actor=personas.operator_a, entry=entry,
                                                 status=DeletionStatus.GRANTED, reason="Application granted")
    with refused_by("R13-deletion-granted", "watchlist"):
        services.deployment_submit(actor=personas.operator_a, deployment=draft)
    assert entry not in selectors.watchlist_entries_for_matching(deployment=draft)


def test_r13_an_image_without_a_granted_deletion_meets_it(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert status_of(auth.rule_results, "R13-deletion-granted") == "met"


def test_r13_an_unconvicted_persons_image_carries_a_review_flag(personas, draft):
    entry = add(personas, draft, unconvicted=True, deletion_status=DeletionStatus.PENDING)
    facts = rules.EntryFacts.of(entry, entry.created_at)
    result = rules.check_entry(facts, deployment=draft)
    assert [v.rule for v in result.warnings] == ["R13-unconvicted-image"]
    auth = review_and_authorise(personas, draft)
    assert status_of(auth.rule_results, "R13-unconvicted-image") == "warning"


def test_r13_a_convicted_persons_image_carries_no_flag(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert status_of(auth.rule_results, "R13-unconvicted-image") == "met"


# R14 ---------------------------------------------------------------------------------------------
def test_r14_an_image_older_than_the_set_age_warns(personas, draft):
    add(personas, draft, image_date=date.today() - timedelta(days=365 * 12))
    auth = review_and_authorise(personas, draft)
    assert status_of(auth.rule_results, "R14-image-age") == "warning"
    assert auth.deployment.status == Status.AUTHORISED


def test_r14_a_recent_image_meets_it(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    assert status_of(auth.rule_results, "R14-image-age") == "met"
