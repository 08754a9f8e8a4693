"""Admin forms: a campaign with checked templates and sender, and a CSV upload."""

from __future__ import annotations

from typing import Any

from django import forms

from mailer.campaigns.authoring import line_break_error
from mailer.campaigns.exceptions import InvalidTemplate
from mailer.campaigns.fanout.render import compile_one
from mailer.campaigns.models import Campaign
from mailer.exceptions import InvalidAddress
from mailer.suppression.addresses import address_of


class CampaignForm(forms.ModelForm[Any]):
    """Rejects templates that do not compile, a From address that is not one, and line breaks
    in the fields that become headers."""

    class Meta:
        model = Campaign
        fields = ["name", "from_email", "subject", "text", "html", "audience", "scheduled_at",
                  "list_id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "list_id" in self.fields:
            self.fields["list_id"].required = False
            self.fields["list_id"].help_text = "Empty: derived from the name and the From domain."

    def clean_from_email(self) -> str:
        value = self._one_line("from_email")
        try:
            address_of(value)
        except InvalidAddress as exc:
            raise forms.ValidationError(exc.messages[0]) from None
        return value.strip()

    def clean_subject(self) -> str:
        return self._one_line("subject")

    def clean_list_id(self) -> str:
        return self._one_line("list_id")

    def _one_line(self, field: str) -> str:
        value: str = self.cleaned_data[field]
        if error := line_break_error(field, value):
            raise forms.ValidationError(error)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for part in ("subject", "text", "html"):
            if cleaned.get(part):
                try:
                    compile_one(part, cleaned[part])
                except InvalidTemplate as exc:
                    self.add_error(part, exc.messages[0])
        return cleaned


class AudienceImportForm(forms.Form):
    """One CSV file with an ``email`` column."""

    csv_file = forms.FileField(label="CSV file", help_text="An email column; others are context.")
