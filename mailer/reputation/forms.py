"""The resume form: a required note, and which guard-paused campaigns to resume as well."""

from __future__ import annotations

from typing import Any

from django import forms


class ResumeForm(forms.Form):
    """Lift the guard's hold of bulk mail."""

    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required: what you checked (e.g. the bad list was removed) and why it is safe.",
    )
    campaigns = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Campaigns the guard paused that should send again (the rest stay paused).",
    )

    def __init__(self, *args: Any, paused: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["campaigns"]
        assert isinstance(field, forms.ChoiceField)
        choices: list[tuple[int, str]] = sorted(paused.items(), key=lambda item: item[1])
        field.choices = choices

    def clean_note(self) -> str:
        note: str = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Write what you checked before resuming bulk mail.")
        return note
