"""Admin forms for the suppression list: add one address, remove with a note, import a CSV."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from mailer.models import Unsubscribe
from mailer.suppression.addresses import address_of

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ManualUnsubscribeForm(forms.ModelForm[Any]):
    """Add one address by hand; the address is normalised before the uniqueness check."""

    class Meta:
        model = Unsubscribe
        fields = ("address", "scope", "expires_at", "note")

    def clean_address(self) -> str:
        return address_of(self.cleaned_data["address"])


class RemovalForm(forms.Form):
    """Why the selected suppressions are lifted (kept in the audit record)."""

    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required: why mail may go to these addresses again.",
    )

    def clean_note(self) -> str:
        note: str = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Say why the suppression is removed.")
        return note


class ImportForm(forms.Form):
    """A CSV with an ``address`` (or ``email``) column; optional scope, expires_at, note."""

    file = forms.FileField(help_text="UTF-8 CSV with a header row.")
    scope = forms.ChoiceField(
        choices=Unsubscribe.Scope.choices,
        initial=Unsubscribe.Scope.ALL,
        help_text="For rows without a scope column value.",
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is over {MAX_UPLOAD_BYTES // 2**20} MB.")
        return upload
