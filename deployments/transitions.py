"""The life of a deployment, as one table: which action moves it from which state to which.

    draft ─submit─▶ submitted ─authorise─▶ authorised ─activate─▶ active ─end─▶ ended ─review─▶ reviewed
                    submitted ─refuse─▶ refused
    draft or submitted ─urgent_authorise─▶ urgent_authorised ─activate─▶ active
    urgent_authorised ─urgent_confirm─▶ authorised          (active stays active)
    urgent_authorised ─urgent_refuse─▶ refused,  ─urgent_lapse─▶ stopped
    active ─urgent_refuse or urgent_lapse─▶ stopped;   authorised or active ─extend─▶ (unchanged)
    stopped ─review─▶ reviewed;   submitted, authorised or urgent_authorised ─withdraw─▶ draft

An action from any other state is refused with the identifiers of the rules that make it illegal, and
changes nothing. The rules that decide whether an allowed move may happen *now* live in `rules.py`.
"""
from __future__ import annotations

from dataclasses import dataclass

from deployments.models import Deployment, Status
from deployments.rules import BLOCKING, RULES, TransitionRefused, Violation
from oversight.permissions import AUTHORISE, CHANGE


@dataclass(frozen=True)
class Transition:
    moves: dict[str, str]     # from state -> to state
    permission: str | None    # what the actor needs on the force; None: only the platform itself
    rules: tuple[str, ...]    # why the action is illegal from any other state
    verb: str


S = Status
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition({S.DRAFT: S.SUBMITTED}, CHANGE, ("R01-written-authorisation",), "submit"),
    "withdraw": Transition({S.SUBMITTED: S.DRAFT, S.AUTHORISED: S.DRAFT, S.URGENT_AUTHORISED: S.DRAFT}, CHANGE,
                           ("R01-written-authorisation",), "withdraw"),
    "authorise": Transition({S.SUBMITTED: S.AUTHORISED}, AUTHORISE, ("R01-written-authorisation",), "authorise"),
    "refuse": Transition({S.SUBMITTED: S.REFUSED}, AUTHORISE, ("R01-written-authorisation",), "refuse"),
    "urgent_authorise": Transition({S.DRAFT: S.URGENT_AUTHORISED, S.SUBMITTED: S.URGENT_AUTHORISED}, AUTHORISE,
                                   ("R01-written-authorisation", "R02-urgent-review"), "urgently authorise"),
    "urgent_confirm": Transition({S.URGENT_AUTHORISED: S.AUTHORISED, S.ACTIVE: S.ACTIVE}, AUTHORISE,
                                 ("R02-urgent-review",), "confirm an urgent authorisation of"),
    "urgent_refuse": Transition({S.URGENT_AUTHORISED: S.REFUSED, S.ACTIVE: S.STOPPED}, AUTHORISE,
                                ("R02-urgent-review",), "refuse an urgent authorisation of"),
    "urgent_lapse": Transition({S.URGENT_AUTHORISED: S.STOPPED, S.ACTIVE: S.STOPPED}, None,
                               ("R02-urgent-review",), "stop"),
    "activate": Transition({S.AUTHORISED: S.ACTIVE, S.URGENT_AUTHORISED: S.ACTIVE}, CHANGE,
                           ("R01-written-authorisation", "R03-authorised-window"), "activate"),
    "end": Transition({S.ACTIVE: S.ENDED}, CHANGE, ("R03-authorised-window",), "end"),
    "extend": Transition({S.AUTHORISED: S.AUTHORISED, S.ACTIVE: S.ACTIVE}, AUTHORISE,
                         ("R03-authorised-window", "R01-written-authorisation"), "extend"),
    "review": Transition({S.ENDED: S.REVIEWED, S.STOPPED: S.REVIEWED}, CHANGE,
                         ("R23-post-deployment-review",), "review"),
    # Not moves, but permissions by state: a written application is fixed once submitted, and an
    # authorised watchlist is fixed (withdraw the deployment to draft to change and review it again).
    "edit": Transition({S.DRAFT: S.DRAFT}, CHANGE, ("R01-written-authorisation",), "change"),
    "edit_watchlist": Transition({S.DRAFT: S.DRAFT, S.SUBMITTED: S.SUBMITTED}, CHANGE,
                                 ("R10-watchlist-review",), "change the watchlist of"),
    # Templates are computed, and cameras registered, only for a deployment that is authorised to match.
    "enrol": Transition({S.AUTHORISED: S.AUTHORISED, S.URGENT_AUTHORISED: S.URGENT_AUTHORISED, S.ACTIVE: S.ACTIVE},
                        CHANGE, ("R01-written-authorisation",), "enrol the watchlist of"),
    "register_device": Transition({S.AUTHORISED: S.AUTHORISED, S.URGENT_AUTHORISED: S.URGENT_AUTHORISED,
                                   S.ACTIVE: S.ACTIVE}, CHANGE, ("R01-written-authorisation",),
                                  "register a camera for"),
}


def target(deployment: Deployment, action: str) -> str:
    """The state `action` moves `deployment` to, or TransitionRefused naming the rules."""
    transition = TRANSITIONS[action]
    if deployment.status in transition.moves:
        return transition.moves[deployment.status]
    allowed = " or ".join(Status(s).label.lower() for s in transition.moves)
    first, *others = transition.rules
    message = (f"you cannot {transition.verb} a deployment that is {deployment.get_status_display().lower()}; "
               f"only one that is {allowed}")
    violations = [Violation(first, BLOCKING, "status", message)]
    violations += [Violation(rule, BLOCKING, "status", RULES[rule].title) for rule in others]
    raise TransitionRefused(violations)
