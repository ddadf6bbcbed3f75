"""HTML forms of the oversight workspace: they parse types only; the services judge the content."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from oversight.models import Force
from oversight.reports.models import CHECKLIST, Answer, LinkedKind, ResponseDecision, SampleKind, Severity

TEXT = {"rows": 4}
TICK = {"class": "tick"}  # site.css: a tick box keeps its own width (no inline style: the CSP forbids it)


class DateInput(forms.DateInput):
    input_type = "date"


def _year_start():
    return timezone.localdate().replace(month=1, day=1)


class ReportRequestForm(forms.Form):
    all_forces = forms.BooleanField(required=False, label="All forces", widget=forms.CheckboxInput(attrs=TICK))
    forces = forms.ModelMultipleChoiceField(queryset=Force.objects.order_by("name"), required=False,
                                            to_field_name="code", widget=forms.CheckboxSelectMultiple,
                                            help_text="Or choose the forces the report covers.")
    period_start = forms.DateField(widget=DateInput, initial=_year_start, label="Period from")
    period_end = forms.DateField(widget=DateInput, initial=timezone.localdate, label="Period to (inclusive)")


class AuditOpenForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.order_by("name"), to_field_name="code")
    scope = forms.CharField(widget=forms.Textarea(attrs=TEXT),
                            help_text="What the audit examines, e.g. 'watchlist composition and adjudication of "
                                      "alerts in LFR deployments'.")
    period_start = forms.DateField(widget=DateInput, label="Period from")
    period_end = forms.DateField(widget=DateInput, label="Period to (inclusive)")


class SampleForm(forms.Form):
    deployments = forms.IntegerField(min_value=0, max_value=500, initial=5, label="Deployments to sample")
    alerts = forms.IntegerField(min_value=0, max_value=500, initial=20, label="Alerts to sample")
    watchlist_entries = forms.IntegerField(required=False, min_value=0, max_value=500, initial=20, label="Watchlist entries to sample")
    rfr_searches = forms.IntegerField(required=False, min_value=0, max_value=500, initial=10, label="RFR searches to sample")
    oifr_checks = forms.IntegerField(required=False, min_value=0, max_value=500, initial=10, label="OIFR checks to sample")
    seed = forms.IntegerField(min_value=0, max_value=2**48, required=False,  # empty counts above mean none
                              help_text="Leave empty for a random seed; it is recorded either way.")


class FindingForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices)
    text = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="Finding")
    linked_kind = forms.ChoiceField(choices=LinkedKind.choices, required=False, label="About")
    linked_id = forms.CharField(max_length=40, required=False, label="Its number")


class RecommendationForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="Recommendation")
    deadline = forms.DateField(widget=DateInput)
    finding = forms.IntegerField(required=False, label="Finding it answers (number)")


class ResponseForm(forms.Form):
    decision = forms.ChoiceField(choices=ResponseDecision.choices)
    text = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="Response")


class SampleCheckForm(forms.Form):
    """The checklist of one sampled record: one answer per question, and the auditor's findings."""

    kind = forms.ChoiceField(choices=SampleKind.choices, widget=forms.HiddenInput)
    object_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                               help_text="Required when an answer is no.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = {name: forms.ChoiceField(choices=Answer.choices, required=False, label=question)
                     for name, question in CHECKLIST}
        self.fields = {**{k: self.fields[k] for k in ("kind", "object_id")}, **questions,
                       "findings": self.fields["findings"]}
