"""SQL expressions the aggregates need: JSON array lengths and distinct feedback counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Func, IntegerField, Model, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce


class JSONArrayLength(Func):
    """The length of a JSON array column (0 for NULL)."""

    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return super().as_sql(compiler, connection, function="json_array_length", **extra)


def recipients_of(field: str) -> Coalesce:
    """How many addresses a JSON list column holds."""
    return Coalesce(JSONArrayLength(field), Value(0))


def feedback_count(model: type[Model], condition: Q | None = None) -> Coalesce:
    """Distinct recipients with ``model`` rows (matching ``condition``) for the outer
    ``mailer.Delivery`` row's SES MessageId."""
    rows = model._default_manager.filter(condition or Q(), mail_id=OuterRef("ses_message_id"))
    counted = rows.order_by().values("mail_id").annotate(n=Count("address", distinct=True))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), Value(0))
