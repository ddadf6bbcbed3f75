from django import forms


class PrepareForm(forms.Form):
    period_start = forms.DateField(label="First day of the period", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="Last day of the period", widget=forms.DateInput(attrs={"type": "date"}))


class PublishForm(forms.Form):
    snapshot_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Why is this version withdrawn?", widget=forms.Textarea(attrs={"rows": 3}))


def show_errors(form: forms.Form, error) -> None:
    """Attach a service's ValidationError to the form fields it names (or to the form as a whole)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
