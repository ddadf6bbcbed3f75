"""Forms of the ground layer's pages: they parse types only; the services judge the content."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from oversight import labels
from oversight.audit import actions
from oversight.models import LegalBasisKind

PAGE_SIZE = 50  # audit-log entries on one page: a page stays small however large the log grows
TEXT = {"rows": 3}


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        return value.strftime("%Y-%m-%dT%H:%M") if hasattr(value, "strftime") else value


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form, each message beside the field it names."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class AuditLogFilter(forms.Form):
    """What the audit log is narrowed to. Every field is optional; a bad value is named, never ignored."""

    force = forms.ModelChoiceField(queryset=None, required=False, to_field_name="code", empty_label="Any force")
    action = forms.ChoiceField(required=False, label="What happened")
    actor = forms.CharField(required=False, max_length=100, label="Who",
                            help_text="Part of a user name, e.g. 'sam.super', or 'system'.")
    object_type = forms.ChoiceField(required=False, label="Kind of record")
    object_id = forms.CharField(required=False, max_length=40, label="Record number")
    date_from = forms.DateField(required=False, widget=DateInput, label="From")
    date_to = forms.DateField(required=False, widget=DateInput, label="To (inclusive)")
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, forces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["force"].queryset = forces
        self.fields["action"].choices = [("", "Anything")] + sorted(
            ((a.name, a.description) for a in actions.ACTIONS.values()), key=lambda choice: choice[1])
        self.fields["object_type"].choices = [("", "Any kind")] + sorted(
            ((k.object_type, k.noun) for k in labels.KINDS.values()), key=lambda choice: choice[1])

    def clean_object_id(self):
        value = self.cleaned_data["object_id"].strip()
        if value and not value.isdigit():
            raise ValidationError("give the record's number, e.g. 12")
        return value

    def clean(self):
        data = super().clean()
        if data.get("object_id") and not data.get("object_type"):
            self.add_error("object_type", "choose the kind of record the number belongs to")
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "the last day comes before the first")
        return data


class LegalBasisForm(forms.Form):
    code = forms.CharField(max_length=40, help_text="Capitals, digits and hyphens, e.g. DPA18-SCH8-P2.")
    title = forms.CharField(max_length=200)
    meaning = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="What it means, in plain words")
    kind = forms.ChoiceField(choices=LegalBasisKind.choices)
    source = forms.CharField(max_length=200, required=False, help_text="Statute, case or guidance.")
    effective_from = forms.DateTimeField(required=False, widget=DateTimeInput, label="In force from",
                                         help_text="Leave empty for now.")
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="Why the register changes")
