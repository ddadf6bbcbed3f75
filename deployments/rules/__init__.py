"""The rulebook: every rule of domain.md section 3 in one registry, `RULES`, run by stage with `check`.

    engine.py         the registry, the stages, contexts, results and refusals
    authorisation.py  rules 1-7: a deployment's written authorisation, rank, window, notice, documents, threshold
    watchlist.py      rules 8-14: categories, entries, review of the list, under-18s, deletions, image age
    review.py         rules 23 and 25: the post-deployment review and the policy documents' reviews
    matching/rules.py rules 15-22 and 24 (adjudication, searches, retention, the audit log), registered when the
                      matcher app loads

`manage.py rules list` prints them all with their stages, settings and sources.
"""
from deployments.rules.engine import (  # noqa: F401
    ACTIVATE, ALL_KINDS, AUTHORISE, BLOCKING, DRAFT, ENTRY, MATCHING, REVIEW, RULES, STAGES, URGENT_REVIEW, WARNING,
    Context, EntryFacts, Outcome, Problem, Result, Rule, RuleError, TransitionRefused, Violation, basis_kinds, check,
    check_authorisation, check_entry, check_matching, rule, stage_add,
)
from deployments.rules.authorisation import urgent_review_due_at  # noqa: F401
from deployments.rules.watchlist import OF_INTEREST, closed_category_problems  # noqa: F401
from deployments.rules import review  # noqa: F401  (registers rules 23 and 25)
