"""Forms of complaints: they parse types only; the services judge the content."""
from __future__ import annotations

from django import forms

from deployments.complaints.models import ComplaintOutcome, ComplaintSubject
from oversight.models import Force

TEXT = {"rows": 5}


class ComplaintForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.order_by("name"), label="Which police force",
                                   empty_label="Choose a force", to_field_name="code")
    subject = forms.ChoiceField(choices=[("", "Choose one")] + ComplaintSubject.choices,
                                label="What your complaint is about", widget=forms.RadioSelect)
    deployment = forms.CharField(max_length=20, required=False, label="Deployment reference (if you know it)",
                                 help_text="As the force's deployment log shows it, for example LFR-12.")
    happened_on = forms.DateField(required=False, label="When it happened",
                                  widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(max_length=200, required=False, label="Where it happened")
    description = forms.CharField(widget=forms.Textarea(attrs=TEXT), max_length=5000, label="What happened",
                                  help_text="What you saw or what was done, and what you would like to happen.")
    contact_name = forms.CharField(max_length=120, required=False, label="Your name (optional)")
    contact_email = forms.CharField(max_length=254, required=False, label="Your email address (optional)",
                                    widget=forms.EmailInput)
    contact_phone = forms.CharField(max_length=40, required=False, label="Your phone number (optional)",
                                    widget=forms.TextInput(attrs={"type": "tel"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = ComplaintSubject.choices


class StatusForm(forms.Form):
    reference = forms.CharField(max_length=40, label="Your complaint reference",
                                help_text="It looks like FRC-7K2M-Q9PX-4HTD-B3WN.")


class AssignForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.order_by("name"), label="Force to answer it",
                                   to_field_name="code")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What the force should look at")


class CloseForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                           label="Why it is closed (the complainant reads this)")


class RespondForm(forms.Form):
    outcome = forms.ChoiceField(choices=[c for c in ComplaintOutcome.choices
                                         if c[0] != ComplaintOutcome.NOT_FOR_A_FORCE],
                                widget=forms.RadioSelect, label="Outcome")
    response = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}),
                               label="Your answer (the complainant reads this)")
