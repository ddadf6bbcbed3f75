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


def _whole_number(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"must be a whole number above 0, not {value!r}")


@dataclass(frozen=True)
class PolicyDefinition:
    key: str
    default: Any
    description: str
    source: str
    validate: Callable[[Any], None]
    # Per-model thresholds that may never be set below the per-model floor of this other setting.
    at_least: str | None = None
    name: str = ""  # how a refusal names this setting to people


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
        PolicyDefinition("rfr.threshold", {"dlib-resnet-v1": 0.934},
                         "Similarity a retrospective search's candidate must reach, per algorithm version; never "
                         "below the floor.", "domain.md rules 6 and 19; force policy", _floors_by_model,
                         at_least="matching.threshold_floor", name="the retrospective search threshold"),
        PolicyDefinition("oifr.threshold", {"dlib-resnet-v1": 0.934},
                         "Similarity an operator-initiated check must reach to name a person, per algorithm version; "
                         "never below the floor.", "domain.md rules 6 and 18; force policy", _floors_by_model,
                         at_least="matching.threshold_floor", name="the operator-initiated check threshold"),
        PolicyDefinition("rfr.max_candidate_list_length", 50,
                         "Longest candidate list a retrospective search may return.", "domain.md rule 19; force policy",
                         _whole_number),
        PolicyDefinition("rfr.national_authorising_rank_floor", "inspector",
                         "Lowest rank that may authorise a retrospective search of every force's custody images "
                         "(a search of the force's own images needs no authorising rank).",
                         "domain.md rule 19; Police National Database code of practice", _rank_name),
        PolicyDefinition("rfr.national_purpose_min_chars", 40,
                         "Characters at least in the stated purpose of a national retrospective search.",
                         "domain.md rule 19", _whole_number),
        PolicyDefinition("rfr.corroboration_note_min_chars", 10,
                         "Characters at least in the note that says what corroborates an identification.",
                         "domain.md rule 19", _whole_number),
        PolicyDefinition("oifr.harm_declaration_min_chars", 20,
                         "Characters at least in the declaration of a risk of significant harm that a check in a "
                         "home, school, medical facility or place of worship needs.", "domain.md rule 18",
                         _whole_number),
        PolicyDefinition("retention.legal_hold_reason_min_chars", 10,
                         "Characters at least in the reason for a legal hold on alert data.", "domain.md rule 21",
                         _whole_number),
        PolicyDefinition("rules.written_min_chars", 40,
                         "Characters at least in a written justification (a sentence, not a word).",
                         "domain.md rules 4, 8, 9 and 12", _whole_number),
        PolicyDefinition("watchlist.max_build_age_hours", 24,
                         "A watchlist may be built at most this long before the deployment starts.",
                         "domain.md rule 10", _positive_number),
        PolicyDefinition("watchlist.image_age_warn_years", 10,
                         "Watchlist images older than this raise a warning.", "domain.md rule 14", _positive_number),
        PolicyDefinition("watchlist.expected_false_alert_tolerance", 1.0,
                         "Expected false alerts per deployment above which the approver is warned.",
                         "domain.md rule 11", _positive_number),
        PolicyDefinition("watchlist.expected_false_alerts_per_1000_faces", 1.0,
                         "Expected false alerts per 1,000 faces (for the watchlist's size and the threshold) above "
                         "which the approver is warned: the cap on how often a passer-by may be wrongly stopped.",
                         "domain.md rule 11; NPL 2023", _positive_number),
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
        PolicyDefinition("retention.unconvicted_custody_image_days", 2190,
                         "Custody images of people never convicted are deleted this many days after they were "
                         "taken (at once when the person asks and the force grants it).",
                         "domain.md rule 13; R (RMC and FJ) v Metropolitan Police Commissioner [2012] EWHC 1681; "
                         "Home Office Custody Images Review 2017", _positive_number),
        PolicyDefinition("review.post_deployment_days", 14,
                         "Days within which a post-deployment review is due.", "domain.md rule 23", _positive_number),
        PolicyDefinition("audit.checkpoint_max_events", 500,
                         "A new signed checkpoint is made once this many audit events are not yet covered by one.",
                         "oversight body policy", _positive_number),
        PolicyDefinition("audit.checkpoint_max_minutes", 5,
                         "A new signed checkpoint is made once the oldest uncovered audit event is this many minutes old.",
                         "oversight body policy", _positive_number),
        PolicyDefinition("complaints.triage_days", 5,
                         "Days within which the oversight body passes a complaint to the force or closes it.",
                         "Surveillance Camera Code (complaints); oversight body policy", _positive_number),
        PolicyDefinition("complaints.response_days", 20,
                         "Days within which a force answers a complaint passed to it.",
                         "Surveillance Camera Code (complaints); oversight body policy", _positive_number),
        PolicyDefinition("complaints.personal_data_days", 365,
                         "Days after a complaint is closed that the complainant's contact details and words are "
                         "kept before deletion.", "UK GDPR art. 5(1)(e); oversight body policy", _positive_number),
        PolicyDefinition("complaints.filings_per_address_hour", 5,
                         "Complaints one address may file in an hour before the form refuses more.",
                         "oversight body policy", _whole_number),
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


def validate(key: str, value: Any, *, at: datetime | None = None) -> None:
    """Judge a new value of `key` to take effect at `at`: its own form, and the floors it must stay above.

    A per-model threshold (`at_least`) is never below the floor in force for that model; a floor is never
    raised above a threshold in force that depends on it (raise the threshold first)."""
    d = definition(key)
    d.validate(value)
    at = at or timezone.now()
    if d.at_least:
        floors = policy_value(d.at_least, at=at)
        for model, threshold in value.items():
            if model not in floors:
                raise ValidationError(f"has no floor set for {model}: the oversight body sets the floor first")
            if threshold < floors[model]:
                raise ValidationError(f"for {model} is {threshold:g}, below that algorithm's floor of "
                                      f"{floors[model]:g}")
    for other in DEFINITIONS.values():
        if other.at_least != key:
            continue
        for model, threshold in policy_value(other.key, at=at).items():
            if model in value and threshold < value[model]:
                raise ValidationError(f"for {model} would be {value[model]:g}, above {other.name or other.key} in "
                                      f"force ({threshold:g}): raise that first")


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


def value_in_force_sql() -> str:
    """A subselect for the value of the setting named by one parameter (%s) in force now, the version
    `policy_in_force` would choose: for one statement that reads settings beside other rows. Decode what it
    gives with `value_from_db`."""
    from oversight.models import PolicySetting

    return (f"(SELECT p.value FROM {PolicySetting._meta.db_table} p WHERE p.key = %s AND p.effective_from <= now() "
            f"ORDER BY p.effective_from DESC, p.version DESC LIMIT 1)")


def value_from_db(key: str, raw) -> Any:
    """A value read by `value_in_force_sql`; the documented default when no version is in force yet (a database
    still being set up)."""
    from django.db import connection

    from oversight.models import PolicySetting

    if raw is None:
        return definition(key).default
    return PolicySetting._meta.get_field("value").from_db_value(raw, None, connection)
