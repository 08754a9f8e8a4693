"""Write fan-out outcomes (state, email, error) onto recipient rows in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from mailer.campaigns.fanout.composing import Outcome
from mailer.campaigns.models import CampaignRecipient

# Django's bulk_update builds a CASE expression per row and field in Python (about 1 ms per
# row); PostgreSQL takes the values as arrays instead.
UNNEST_UPDATE = """
UPDATE campaigns_campaignrecipient AS r
SET state = v.state, email_id = v.email_id, error = v.error
FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[], %s::text[]) AS v(id, state, email_id, error)
WHERE r.id = v.id
"""


def save_outcomes(outcomes: Sequence[Outcome], email_ids: Sequence[int | None]) -> None:
    """Store each outcome and its saved email's id (or None) on its recipient row.

    One UPDATE on PostgreSQL; ``email_ids`` is aligned with ``outcomes``.
    """
    if connection.vendor != "postgresql":
        rows = [CampaignRecipient(id=o.recipient_id, state=o.state, email_id=e, error=o.error)
                for o, e in zip(outcomes, email_ids, strict=True)]
        CampaignRecipient.objects.bulk_update(rows, ["state", "email", "error"])
        return
    columns: list[list[Any]] = [
        [o.recipient_id for o in outcomes], [o.state for o in outcomes],
        list(email_ids), [o.error for o in outcomes],
    ]
    with connection.cursor() as cursor:
        cursor.execute(UNNEST_UPDATE, columns)
