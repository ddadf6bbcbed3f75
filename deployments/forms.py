"""HTML forms: they parse types only; the services judge the content and their errors land on these fields."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from deployments.models import AlgorithmVersion, ConsultedBody, DeletionStatus, Kind, QualityCheck, SubjectKind
from oversight.models import LegalBasis, LegalBasisKind

TEXT = {"rows": 3}
# The shared stylesheet makes every input full width; a tick box should stay a tick box.
TICK = {"class": "tick"}  # site.css: a tick box keeps its own width (no inline style: the CSP forbids it)


def basis_choices(*kinds: str) -> list[tuple[str, str]]:
    """Register codes, labelled with their current wording, whose wording is of one of `kinds`, or all of them."""
    choices = []
    for basis in LegalBasis.objects.prefetch_related("versions"):
        latest = max(basis.versions.all(), key=lambda v: v.version, default=None)
        if latest is not None and (not kinds or latest.kind in kinds):
            choices.append((basis.code, latest.title))  # in words: the code is the register's, not the reader's
    return choices


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors next to the fields they name; others go in the summary."""
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class DeploymentForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.LFR)
    title = forms.CharField(max_length=200)
    policing_objective = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False)
    intelligence_case = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False)
    watchlist_criteria = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False)
    location_name = forms.CharField(max_length=200, required=False, label="Place")
    latitude = forms.FloatField(required=False)
    longitude = forms.FloatField(required=False)
    radius_m = forms.IntegerField(required=False, label="Radius (metres)")
    location_justification = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False,
                                             label="Why watchlisted people are expected there")
    starts_at = forms.DateTimeField(widget=DateTimeInput(), label="Start")
    ends_at = forms.DateTimeField(widget=DateTimeInput(), label="End")
    algorithm_version = forms.ChoiceField(choices=())
    threshold = forms.FloatField()
    public_notice_plan = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False)
    critical_threat_exemption = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs=TICK))
    critical_threat_reason = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False)
    legal_bases = forms.MultipleChoiceField(choices=(), required=False,
                                            widget=forms.CheckboxSelectMultiple(attrs=TICK))
    assets = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple(attrs=TICK), label="Vans and cameras",
        help_text="Only those free for the whole window are listed. Change the window, then press "
                  "\u201cShow what is free\u201d to see the list for it.",
        error_messages={"invalid_choice": "%(value)s is not free for that window: choose one of those listed"})

    def __init__(self, *args, free_assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assets"].choices = [(a.code, a.description if a.force_id is None
                                          else f"{a.description} (your force's own)") for a in free_assets]
        self.fields["algorithm_version"].choices = [(a.code, f"{a.code} ({a.vendor})")
                                                    for a in AlgorithmVersion.objects.all()]
        self.fields["legal_bases"].choices = basis_choices(LegalBasisKind.POWER, LegalBasisKind.CONDITION)


def posted_window(data) -> tuple:
    """The start and end a bound deployment form carries, or None for either that does not parse yet."""
    field = forms.DateTimeField(required=False)
    window = []
    for name in ("starts_at", "ends_at"):
        try:
            window.append(field.clean((data or {}).get(name)))
        except ValidationError:
            window.append(None)
    return tuple(window)


class AssessmentForm(forms.Form):
    legitimate_aim = forms.ChoiceField(choices=(), label="Legitimate aim (Article 8(2))")
    strict_necessity = forms.CharField(widget=forms.Textarea(attrs=TEXT))
    alternatives_considered = forms.CharField(widget=forms.Textarea(attrs=TEXT),
                                              label="Less intrusive alternatives considered, and why rejected")
    expected_faces = forms.IntegerField(min_value=0)
    community_impact = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="Community and equality impact")
    engagement_consulted = forms.CharField(
        widget=forms.Textarea(attrs=TEXT), label="Who was consulted",
        help_text="Community groups, independent advisory group, councillors, businesses: or, if no one, why not.")
    engagement_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                    label="When they were consulted")
    engagement_feedback = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False,
                                          label="What they said, and what changed because of it")
    collateral_intrusion = forms.CharField(widget=forms.Textarea(attrs=TEXT))
    conclusion = forms.CharField(widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legitimate_aim"].choices = basis_choices(LegalBasisKind.AIM)


class EntryForm(forms.Form):
    subject_reference = forms.CharField(max_length=64, help_text="Pseudonymous reference, never a name.")
    category = forms.ChoiceField(choices=())
    subject_kind = forms.ChoiceField(choices=SubjectKind.choices)
    legal_bases = forms.MultipleChoiceField(choices=(), required=False, widget=forms.CheckboxSelectMultiple(attrs=TICK),
                                            label="Legal basis under which the image is held")
    justification = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False,
                                    label="Necessity and proportionality justification")
    extra_justification = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False)
    image = forms.FileField(required=False, label="Face image (JPEG or PNG)")
    image_source_system = forms.CharField(max_length=120, required=False)
    image_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    quality_check = forms.ChoiceField(choices=[("", "–")] + QualityCheck.choices, required=False)
    under_18 = forms.BooleanField(required=False, label="Under 18", widget=forms.CheckboxInput(attrs=TICK))
    harm_justification = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False,
                                         label="Significant risk of harm (under-18s)")
    unconvicted = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs=TICK))
    deletion_status = forms.ChoiceField(choices=DeletionStatus.choices, initial=DeletionStatus.NONE)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.code, c.name) for c in categories]
        self.fields["legal_bases"].choices = basis_choices(LegalBasisKind.IMAGE_SOURCE, LegalBasisKind.WARRANT,
                                                           LegalBasisKind.CONDITION)


class BulkEntriesForm(forms.Form):
    csv = forms.FileField(label="People (CSV)", help_text="One row per person, with the columns listed below.")
    images = forms.FileField(label="Photos (zip)", help_text="A zip of the JPEG or PNG photos the CSV names.")


class ReasonsForm(forms.Form):
    reasons = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False)


class NotesForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea(attrs=TEXT), required=False)


class ConsultationForm(forms.Form):
    body = forms.ChoiceField(choices=ConsultedBody.choices, label="Who was consulted")
    name = forms.CharField(max_length=200, label="Name of the group, council or people")
    held_on = forms.DateField(label="When", widget=forms.DateInput(attrs={"type": "date"}))
    said = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="What they said, and what changed because of it")
