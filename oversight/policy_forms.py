"""Policy settings as a person reads and changes them: a label, a value in words, and a form for a new version.

The kind of each value follows from the validator its definition names, so a new setting needs no new code here
unless its value is of a new kind.
"""
from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from oversight import policy
from oversight.labels import plain_words
from oversight.forms import DateTimeInput
from oversight.models import Rank

# Short headings; each setting's definition carries the full sentence.
LABELS = {
    "lfr.authorising_rank_floor": "Lowest rank that may authorise live facial recognition",
    "lfr.urgent_rank_floor": "Lowest rank that may give an urgent authorisation",
    "lfr.urgent_review_hours": "Time allowed to review an urgent authorisation",
    "lfr.max_window_hours": "Longest deployment window",
    "matching.threshold_floor": "Lowest match threshold for each algorithm",
    "watchlist.max_build_age_hours": "Earliest a watchlist may be built before the deployment",
    "watchlist.image_age_warn_years": "Age at which a watchlist image raises a warning",
    "watchlist.expected_false_alert_tolerance": "Expected false alerts that warn the approver",
    "watchlist.expected_false_alerts_per_1000_faces": "Expected false alerts per 1,000 faces that warn the approver",
    "watchlist.extra_justification_categories": "People who need an extra justification",
    "retention.watchlist_template_hours": "Deleting watchlist images after a deployment",
    "retention.alert_image_days": "Keeping alert images",
    "retention.rfr_probe_days": "Keeping retrospective search images",
    "review.post_deployment_days": "Time allowed for the post-deployment review",
    "audit.checkpoint_max_events": "Audit-log entries before a new signed checkpoint",
    "audit.checkpoint_max_minutes": "Minutes before a new signed checkpoint",
    "publication.force_admin_may_publish": "Force administrators may publish transparency reports",
}
UNITS = {"_hours": "hours", "_days": "days", "_years": "years", "_minutes": "minutes", "_events": "entries",
         "_tolerance": "expected false alerts"}


def label(key: str) -> str:
    return LABELS.get(key) or policy.definition(key).description.rstrip(".")


def source(key: str) -> str:
    """Where a setting comes from, for a reader: the law or guidance, not the developers' brief it was copied from."""
    text = plain_words(policy.definition(key).source).strip()
    return (text[:1].upper() + text[1:]) if text else "Oversight body policy"


def _kind(key: str) -> str:
    return {policy._rank_name: "rank", policy._positive_number: "number", policy._boolean: "yes_no",
            policy._category_list: "words", policy._floors_by_model: "floors"}.get(policy.definition(key).validate,
                                                                                  "text")


def _unit(key: str) -> str:
    return next((unit for suffix, unit in UNITS.items() if key.endswith(suffix)), "")


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def readable_value(key: str, value: Any) -> str:
    """'Superintendent', '24 hours', 'Yes', 'victim, witness, associate', 'nec-neoface-v4: 0.64; …'."""
    kind = _kind(key)
    if value is None:
        return "not set"
    if kind == "rank":
        try:
            return Rank.from_name(value).label
        except ValueError:
            return str(value)
    if kind == "number":
        unit = _unit(key)
        return f"{_number(value)} {unit}".strip()
    if kind == "yes_no":
        return "Yes" if value else "No"
    if kind == "words":
        return ", ".join(str(item).replace("_", " ") for item in value) or "nobody"
    if kind == "floors":
        return "; ".join(f"{model}: {_number(floor)}" for model, floor in value.items())
    return str(value)


class PolicySettingForm(forms.Form):
    """A new version of one setting: its value (in a field of the value's kind), when it takes effect, and why."""

    effective_from = forms.DateTimeField(required=False, widget=DateTimeInput, label="In force from",
                                         help_text="Leave empty for now. A later time schedules the change; "
                                                   "records checked before then keep the version they were "
                                                   "checked against.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why the policy changes")

    def __init__(self, *args, key: str, current: Any, **kwargs):
        super().__init__(*args, **kwargs)
        self.key, self.kind, self.current = key, _kind(key), current
        fields = {}
        if self.kind == "rank":
            fields["value"] = forms.ChoiceField(choices=[(r.name.lower(), r.label) for r in Rank], label="New value")
        elif self.kind == "number":
            fields["value"] = forms.DecimalField(min_value=0, max_digits=12, decimal_places=6,
                                                 label=f"New value ({_unit(key) or 'number'})")
        elif self.kind == "yes_no":
            fields["value"] = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect,
                                                label="New value")
        elif self.kind == "words":
            fields["value"] = forms.CharField(label="New value", help_text="Separate them with commas.")
        elif self.kind == "floors":
            for model in (current or {}):
                fields[f"floor:{model}"] = forms.DecimalField(min_value=0, max_value=1, max_digits=7,
                                                              decimal_places=5, label=f"Floor for {model}")
            fields["new_model"] = forms.SlugField(required=False, label="Add an algorithm (its code)")
            fields["new_floor"] = forms.DecimalField(required=False, min_value=0, max_value=1, max_digits=7,
                                                     decimal_places=5, label="Its floor")
        else:
            fields["value"] = forms.CharField(label="New value")
        self.fields = {**fields, **self.fields}
        if not self.is_bound:
            self.initial.update(self._initial(current))

    def _initial(self, current) -> dict:
        if self.kind == "rank" and isinstance(current, str):
            return {"value": current.lower().replace(" ", "_")}
        if self.kind == "yes_no":
            return {"value": "yes" if current else "no"}
        if self.kind == "words":
            return {"value": ", ".join(current or [])}
        if self.kind == "floors":
            return {f"floor:{model}": floor for model, floor in (current or {}).items()}
        return {"value": current}

    def value(self) -> Any:
        """The new value as the setting stores it (call after is_valid)."""
        data = self.cleaned_data
        if self.kind == "number":
            number = data["value"]
            return int(number) if number == number.to_integral_value() else float(number)
        if self.kind == "yes_no":
            return data["value"] == "yes"
        if self.kind == "words":
            return [word.strip().replace(" ", "_") for word in data["value"].split(",") if word.strip()]
        if self.kind == "floors":
            floors = {name.split(":", 1)[1]: float(v) for name, v in data.items() if name.startswith("floor:")}
            if data.get("new_model"):
                if data.get("new_floor") is None:
                    raise ValidationError({"new_floor": "give the new algorithm's floor"})
                floors[data["new_model"]] = float(data["new_floor"])
            return floors
        return data["value"]
