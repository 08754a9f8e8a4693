"""Link bouncy's feedback rows to the Email SES accepted under their MessageId, each row once.

SES can report on a message before the worker that sent it has recorded its MessageId (a wave
is recorded after all its SES calls). So a row is linked by whichever comes last:

- the feedback batch, when it stores the row (the send was recorded before);
- the recorder, right after it commits the MessageIds (the row was stored before);
- the sweep, which retries unlinked rows for MAILROOM_FEEDBACK_LINK_MINUTES (the two overlapped
  and neither saw the other's uncommitted work).

Every path runs the same conditional UPDATE (``email_id IS NULL``), whose RETURNING clause names
exactly the rows that statement linked; ``linked`` is sent for those rows inside the same
transaction. A receiver that counts (campaign counters) therefore counts each row exactly once,
whatever the order of arrival. Rows still unlinked after the window are counted by
``unlinked_count`` (``mailer_status``) and listed in the admin ("email: empty").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone

from bouncy.models import UNLINKED, Bounce, Complaint, Event, MailFeedback, Notification
from bouncy.models import Delivery as Delivered
from mailer.conf import get_settings
from mailer.models import Delivery

logger = logging.getLogger(__name__)

FEEDBACK_MODELS: tuple[type[MailFeedback], ...] = (Bounce, Complaint, Delivered, Event)

# linked.send(sender=<bouncy model>, rows=[rows just linked, email_id set]), inside the
# transaction that linked them: a receiver's writes commit or roll back with the link.
linked = Signal()


def link_rows(rows: Sequence[MailFeedback]) -> list[MailFeedback]:
    """Link these stored rows whose MessageId is recorded; returns the ones linked now."""
    done: list[MailFeedback] = []
    for model in FEEDBACK_MODELS:
        by_id = {row.pk: row for row in rows if type(row) is model and row.email_id is None}
        if not by_id:
            continue
        with transaction.atomic(savepoint=False):
            found = _link(model, _in("id", by_id), list(by_id))
            now_linked = [by_id[pk] for pk in found]
            for row in now_linked:
                row.email_id = found[row.pk]
            _announce(model, now_linked)
        done += now_linked
    return done


def link_recorded(mail_ids: Sequence[str]) -> int:
    """After a recorder committed these MessageIds: link the feedback that came first."""
    mail_ids = [m for m in mail_ids if m]
    if not mail_ids or not Notification.objects.filter(mail_id__in=mail_ids).exists():
        return 0  # the usual case: SES has not answered yet (one indexed lookup)
    return _link_and_load(_in("mail_id", mail_ids), mail_ids)


def link_recorded_quietly(mail_ids: Sequence[str]) -> None:
    """``link_recorded``, for recorders: the outcome is committed, so a failure is only logged
    (the sweep links those rows later)."""
    try:
        link_recorded(mail_ids)
    except Exception:
        logger.warning("Could not link early feedback; the sweep retries.", exc_info=True)


def retry_unlinked(now: datetime | None = None) -> int:
    """Sweep: link rows still unlinked within the window (a recorder and a batch overlapped)."""
    since = (now or timezone.now()) - get_settings().feedback_link_window
    return _link_and_load(f"{_column('timestamp')} >= %s", [since])


def unlinked(model: type[MailFeedback], now: datetime | None = None) -> QuerySet[MailFeedback]:
    """Rows of ``model`` about some SES message, still unlinked after the retry window."""
    since = (now or timezone.now()) - get_settings().feedback_link_window
    return model._default_manager.filter(UNLINKED, timestamp__lt=since).exclude(mail_id="")


def unlinked_count(now: datetime | None = None) -> int:
    """Rows that will not be linked any more (``mailer_status``'s ``feedback_unlinked``)."""
    return sum(unlinked(model, now).count() for model in FEEDBACK_MODELS)


def _link_and_load(condition: str, params: list[Any]) -> int:
    total = 0
    for model in FEEDBACK_MODELS:
        with transaction.atomic(savepoint=False):
            found = _link(model, condition, params)
            if found:
                found_rows = model._default_manager.filter(pk__in=list(found))
                rows = found_rows.order_by("pk")  # arrival order
                _announce(model, list(rows))
        total += len(found)
    return total


def _link(model: type[MailFeedback], condition: str, params: list[Any]) -> dict[int, int]:
    """One UPDATE: {row id: email id} for the rows of ``model`` this statement linked."""
    qn = connection.ops.quote_name
    table, sent = qn(model._meta.db_table), qn(Delivery._meta.db_table)
    sql = (
        f"UPDATE {table} SET email_id = {sent}.email_id FROM {sent} "
        f"WHERE {table}.email_id IS NULL AND ({table}.mail_id = {sent}.ses_message_id "
        # Either copy of an email sent twice: a late outcome keeps its id beside the first.
        f"OR {table}.mail_id = {sent}.other_message_id) "
        f"AND {condition.format(table=table)} RETURNING {table}.id, {table}.email_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _column(name: str) -> str:
    return "{table}." + connection.ops.quote_name(name)


def _in(name: str, values: Iterable[Any]) -> str:
    return f"{_column(name)} IN ({', '.join(['%s'] * len(list(values)))})"


def _announce(model: type[MailFeedback], rows: list[MailFeedback]) -> None:
    if rows:
        linked.send(sender=model, rows=rows)
