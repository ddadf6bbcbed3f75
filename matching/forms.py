"""HTML forms of the matcher's pages: they parse types only; the services judge the content.

A service's ValidationError names fields; `show_errors` puts each message next to the field it names.
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from matching.models import (
    ArrestReason, Decision, OifrReason, OifrSubjectCategory, Outcome, PlaceType, ProbeSource, SearchScope,
)

NOTE = {"rows": 2}


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors next to the fields they name; the rest go in the summary at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class DecisionForm(forms.Form):
    """One officer's decision on one alert; the decision comes from the button pressed."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.HiddenInput, error_messages={
        "required": "choose True match, False alert or Inconclusive"})
    note = forms.CharField(widget=forms.Textarea(attrs=NOTE), required=False,
                           label="Note: for a false alert, say why it is the wrong person",
                           help_text="Required for a false alert, e.g. 'wrong person: older, different build'.")


class EngagementForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect, label="Outcome",
                                error_messages={"required": "choose what happened"})
    arrest_reason = forms.ChoiceField(
        choices=[("", "The reason they were on the watchlist"), *ArrestReason.choices], required=False,
        label="If arrested, why", help_text="Published as forces publish arrests: by reason.")
    duration_minutes = forms.IntegerField(min_value=0, max_value=24 * 60, label="Duration in minutes",
                                          widget=forms.NumberInput(attrs={"class": "input-short"}),
                                          error_messages={"required": "give the duration in whole minutes"})


class DeviceForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name of the camera or van",
                           error_messages={"required": "name the camera or van"},
                           help_text="As the officers know it, e.g. 'Van 3, north camera'.")


class VideoFeedForm(forms.Form):
    device = forms.ModelChoiceField(queryset=None, label="Camera or van", empty_label=None)
    file = forms.FileField(label="Video file", help_text="MP4, AVI or MOV; sampled at two frames a second.",
                           error_messages={"required": "choose the video file to play"})

    def __init__(self, *args, devices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = devices


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person) -> str:
        return f"{person.get_rank_display()} {person.get_full_name() or person.username}"


class RfrSearchForm(forms.Form):
    probe = forms.FileField(label="Probe image", help_text="JPEG or PNG, at most 20 MB. The largest face is searched.",
                            error_messages={"required": "choose the probe image to search with"})
    crime_reference = forms.CharField(max_length=60, label="Crime reference",
                                      error_messages={"required": "a retrospective search needs a crime reference"})
    probe_source = forms.ChoiceField(choices=ProbeSource.choices, label="Where the image comes from")
    # The longest list allowed is a policy setting, judged by the rulebook (rule 19) when the search runs.
    candidate_list_length = forms.IntegerField(min_value=1, initial=10, label="Candidate list length",
                                               help_text="How many candidates at most.")
    # Left out (an older form, a script), a search reads the force's own images.
    scope = forms.ChoiceField(choices=SearchScope.choices, initial=SearchScope.LOCAL, widget=forms.RadioSelect,
                              required=False,
                              label="Whose custody images to search",
                              help_text="A national search reaches every force's custody images. It needs a senior "
                                        "officer's authority and a written purpose, and each force whose images it "
                                        "finds is told.")
    national_purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                       label="Why every force's images must be searched (national search only)",
                                       help_text="For example: the suspect is known to travel between forces, and "
                                                 "your own custody images found nobody.")
    authorised_by = OfficerChoiceField(queryset=None, required=False, empty_label="I authorise it myself",
                                           label="Officer who authorised the national search",
                                           error_messages={"invalid_choice": "choose an officer of your force"})

    def __init__(self, *args, authorisers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authorised_by"].queryset = authorisers

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or SearchScope.LOCAL
        self.fields["authorised_by"].label_from_instance = (
            lambda person: f"{person.get_rank_display()} {person.get_full_name() or person.username}")


class CandidateMarkForm(forms.Form):
    status = forms.ChoiceField(choices=[("corroborated", "Corroborate"), ("rejected", "Reject")],
                               widget=forms.HiddenInput, error_messages={"required": "choose Corroborate or Reject"})
    note = forms.CharField(widget=forms.Textarea(attrs=NOTE), required=False,
                           label="What corroborates the identification?",
                           help_text="Required to corroborate, e.g. 'fingerprint match, PNC record SM/55/26'.")


class OifrCheckForm(forms.Form):
    photo = forms.FileField(label="Photo of the person", help_text="JPEG or PNG, at most 20 MB.",
                            error_messages={"required": "choose the photo to check"})
    reason = forms.ChoiceField(choices=OifrReason.choices, widget=forms.RadioSelect,
                               label="Why is the person's identity being checked?",
                               error_messages={"required": "choose why the identity is being checked"})
    subject_category = forms.ChoiceField(choices=OifrSubjectCategory.choices, widget=forms.RadioSelect,
                                         label="Who do you believe the person may be?",
                                         error_messages={"required": "choose who the person may be"})
    place_type = forms.ChoiceField(choices=PlaceType.choices, label="Where are you?")
    harm_declaration = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False,
        label="Declaration of the risk of significant harm (required in a private place)",
        help_text="Required in a home, school, medical facility, place of worship or other private place: "
                  "say what significant harm the check prevents.")


class CustodyImageDeleteForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is the image deleted?",
                             help_text="For example: the person was never convicted, asked for the image to be "
                                       "deleted, and the application was granted.",
                             error_messages={"required": "say why the image is deleted"})
