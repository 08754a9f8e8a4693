"""The admin's CSV import of suppressed addresses: every bad line reported, all rows or none."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views.generic import FormView

from mailer.exceptions import SuppressionImportError
from mailer.models import Unsubscribe
from mailer.suppression.csv_io import read_import
from mailer.suppression.forms import ImportForm
from mailer.suppression.store import Outcome, suppress_many

if TYPE_CHECKING:
    from mailer.admin import UnsubscribeAdmin


class ImportView(FormView[Any]):
    """Upload form; a valid file is imported in one transaction, a bad one changes nothing."""

    model_admin: UnsubscribeAdmin | None = None
    form_class = ImportForm
    template_name = "admin/mailer/unsubscribe/import.html"
    line_errors: list[str] = []

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.admin.has_import_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def admin(self) -> UnsubscribeAdmin:
        """The ModelAdmin this view was made for (``as_view(model_admin=…)``)."""
        assert self.model_admin is not None
        return self.model_admin

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            **self.admin.admin_site.each_context(self.request),
            "opts": Unsubscribe._meta,
            "title": "Import suppressed addresses from CSV",
            "line_errors": self.line_errors,
        }

    def form_valid(self, form: ImportForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        source = f"CSV import {upload.name} by {self.request.user.get_username()}"
        try:
            entries = read_import(upload.read(), scope=form.cleaned_data["scope"], source=source)
        except SuppressionImportError as exc:
            self.line_errors = exc.messages
            return self.form_invalid(form)
        with transaction.atomic():
            outcome = suppress_many(entries)
        self.admin.message_user(self.request, _summary(len(entries), outcome))
        return redirect("admin:mailer_unsubscribe_changelist")


def _summary(rows: int, outcome: Outcome) -> str:
    return (
        f"Imported {rows} rows: {outcome.created} added, {outcome.updated} strengthened, "
        f"{outcome.unchanged} already suppressed."
    )
