"""Policy settings: every rule's parameter is a versioned record, never a constant in code.

`policy_in_force(key, at=T)` answers "which setting was in force at time T"; the defaults below are the
values of ../shared/domain.md and are seeded by a data migration as version 1 of each key.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from django.core.exceptions import ValidationError
from django.utils import timezone


def _positive_number(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValidationError(f"must be a positive number, not {value!r}")


def _rank_name(value: Any) -> None:
    from oversight.models import Rank

    if not isinstance(value, str):
        raise ValidationError(f"must be a rank name such as 'superintendent', not {value!r}")
    try:
        Rank.from_name(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _floors_by_model(value: Any) -> None:
    if not isinstance(value, dict) or not value:
        raise ValidationError("must map model versions to similarity floors, e.g. {\"dlib-resnet-v1\": 0.93}")
    for model, floor in value.items():
        if not isinstance(floor, (int, float)) or isinstance(floor, bool) or not 0 <= floor <= 1:
            raise ValidationError(f"floor for {model!r} must be a number between 0 and 1, not {floor!r}")


def _boolean(value: Any) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"must be true or false, not {value!r}")


def _category_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValidationError("must be a list of category codes")


@dataclass(frozen=True)
class PolicyDefinition:
    key: str
    default: Any
    description: str
    source: str
    validate: Callable[[Any], None]


DEFINITIONS: dict[str, PolicyDefinition] = {
    d.key: d
    for d in [
        PolicyDefinition("lfr.authorising_rank_floor", "superintendent",
                         "Lowest rank that may authorise an LFR deployment.", "domain.md rule 2; APP LFR", _rank_name),
        PolicyDefinition("lfr.urgent_rank_floor", "inspector",
                         "Lowest rank that may give an urgent LFR authorisation.", "domain.md rule 2", _rank_name),
        PolicyDefinition("lfr.urgent_review_hours", 24,
                         "Hours within which a Superintendent must review an urgent authorisation.",
                         "domain.md rule 2", _positive_number),
        PolicyDefinition("lfr.max_window_hours", 24,
                         "Longest authorised window for one LFR deployment.", "domain.md rule 3 (force policy)",
                         _positive_number),
        PolicyDefinition("matching.threshold_floor", {"nec-neoface-v4": 0.64},
                         "Lowest match threshold per algorithm version.", "domain.md rule 6; Home Office SOP Oct 2025",
                         _floors_by_model),
        PolicyDefinition("watchlist.max_build_age_hours", 24,
                         "A watchlist may be built at most this long before the deployment starts.",
                         "domain.md rule 10", _positive_number),
        PolicyDefinition("watchlist.image_age_warn_years", 10,
                         "Watchlist images older than this raise a warning.", "domain.md rule 14", _positive_number),
        PolicyDefinition("watchlist.expected_false_alert_tolerance", 1.0,
                         "Expected false alerts per deployment above which the approver is warned.",
                         "domain.md rule 11", _positive_number),
        PolicyDefinition("watchlist.extra_justification_categories", ["victim", "witness", "associate"],
                         "Kinds of subject that need an extra written justification.", "domain.md rule 8",
                         _category_list),
        PolicyDefinition("retention.watchlist_template_hours", 24,
                         "Watchlist templates and images are deleted within this many hours of the end.",
                         "domain.md rule 20; Met APD", _positive_number),
        PolicyDefinition("retention.alert_image_days", 31,
                         "Alert images and templates are deleted after this many days unless held.",
                         "domain.md rule 21 (31 days Met, 1 day South Wales)", _positive_number),
        PolicyDefinition("retention.rfr_probe_days", 31,
                         "RFR probe images are deleted after this many days unless held.", "force policy",
                         _positive_number),
        PolicyDefinition("review.post_deployment_days", 14,
                         "Days within which a post-deployment review is due.", "domain.md rule 23", _positive_number),
        PolicyDefinition("audit.checkpoint_max_events", 500,
                         "A new signed checkpoint is made once this many audit events are not yet covered by one.",
                         "oversight body policy", _positive_number),
        PolicyDefinition("audit.checkpoint_max_minutes", 5,
                         "A new signed checkpoint is made once the oldest uncovered audit event is this many minutes old.",
                         "oversight body policy", _positive_number),
        PolicyDefinition("publication.force_admin_may_publish", False,
                         "Whether a force administrator may publish transparency reports.", "oversight body policy",
                         _boolean),
    ]
}


class UnknownPolicySetting(KeyError):
    pass


def definition(key: str) -> PolicyDefinition:
    try:
        return DEFINITIONS[key]
    except KeyError:
        raise UnknownPolicySetting(f"no policy setting is called {key!r}") from None


def policy_in_force(key: str, *, at: datetime | None = None):
    """The PolicySetting version of `key` in force at `at` (now by default)."""
    from oversight.models import PolicySetting

    definition(key)
    at = at or timezone.now()
    setting = (
        PolicySetting.objects.filter(key=key, effective_from__lte=at).order_by("-effective_from", "-version").first()
    )
    if setting is None:
        raise UnknownPolicySetting(f"no version of policy setting {key!r} was in force at {at:%Y-%m-%d %H:%M}")
    return setting


def policy_value(key: str, *, at: datetime | None = None) -> Any:
    return policy_in_force(key, at=at).value
