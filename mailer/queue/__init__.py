"""The database is the queue: put mail in, claim a batch under a lease, record each outcome.

``EmailBackend`` (Django's EMAIL_BACKEND) queues each message as Django built it. Every
function here runs one short transaction; none is ever held across an SES call. A claim is
guarded by a lease (``lease_token`` + ``lease_expires_at``) so any number of workers on any
number of machines can drain the same table without sending an email twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from post_office import EmailBackend as PostOfficeBackend
from post_office.models import PRIORITY, STATUS, Email, Log
from post_office.settings import get_default_priority
from post_office.signals import email_queued
from post_office.utils import parse_priority

from mailer.exceptions import MailerError
from mailer.lanes import BULK, Lane, lane_filter
from mailer.models import Delivery, StoredMime
from mailer.queue.feedback_links import link_recorded_quietly
from mailer.queue.mime import QueuedMessage, Row

PENDING = (STATUS.queued, STATUS.requeued)
FAIL_CHUNK = 2000
State = Delivery.State


# post_office ships no types, so its backend is Any to mypy: subclassing it is the point here.
class EmailBackend(PostOfficeBackend):  # type: ignore[misc]
    """Django's EMAIL_BACKEND: each message is queued as Django built it, and counted.

    post_office's backend keeps only a text body, one ``text/html`` alternative and named
    attachments, renders bodies as templates, and returns 0 for queued mail. This one stores
    the MIME of ``message.message()`` beside the Email (``mailer.models.StoredMime``), refuses
    at ``send()`` what SES would refuse, and returns the number of messages accepted: queued,
    or sent when post_office's ``DEFAULT_PRIORITY`` is "now" (through the same stored MIME).
    """

    def send_messages(self, email_messages: Iterable[EmailMessage]) -> int:
        priority = parse_priority(get_default_priority())
        rows = []
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                rows.append(Row.of(message, priority))
            except (MailerError, ValidationError):
                if not self.fail_silently:
                    raise
        emails = enqueue(rows)
        if priority == PRIORITY.now:
            return sum(_dispatch(row) for row in rows)
        if emails:
            email_queued.send(sender=Email, emails=emails)
        return len(emails)


def enqueue(rows: list[Row]) -> list[Email]:
    """Save the Emails, their MIME and their attachment copies, all in one transaction."""
    if not rows:
        return []
    with transaction.atomic():
        emails = Email.objects.bulk_create([r.email for r in rows], batch_size=INSERT_BATCH)
        StoredMime.objects.bulk_create(
            (StoredMime(email=r.email, data=r.mime) for r in rows), batch_size=INSERT_BATCH
        )
        for row in rows:
            row.save_attachments()
    return list(emails)


INSERT_BATCH = 500


def _dispatch(row: Row) -> bool:
    """Send a priority "now" Email at once, as post_office does, from its stored MIME."""
    row.email._cached_email_message = QueuedMessage(row.email, row.mime)
    return bool(row.email.dispatch() == STATUS.sent)


@dataclass(frozen=True)
class Claim:
    """A batch of emails this worker holds until ``expires_at``."""

    token: uuid.UUID
    email_ids: list[int]
    expires_at: datetime
    worker: str
    claimed_at: datetime
    reclaimed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.email_ids)


def due(now: datetime | None = None) -> QuerySet[Email]:
    """Emails that may be claimed now: pending, due, not expired, not under a live lease."""
    now = now or timezone.now()
    emails: QuerySet[Email] = (
        Email.objects.filter(status__in=PENDING)
        .filter(Q(scheduled_time__isnull=True) | Q(scheduled_time__lte=now))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exclude(delivery__lease_expires_at__gt=now)
    )
    return emails


def seconds_until_due(lane: Lane, now: datetime | None = None) -> float | None:
    """Seconds until the lane's earliest pending email that waits for its time is due."""
    now = now or timezone.now()
    first = (
        Email.objects.filter(status__in=PENDING, scheduled_time__gt=now)
        .filter(lane_filter(lane))
        .order_by("scheduled_time")
        .values_list("scheduled_time", flat=True)
        .first()
    )
    return (first - now).total_seconds() if first else None


def claim(lane: Lane, batch_size: int, lease_seconds: int, worker: str) -> Claim:
    """Lock up to ``batch_size`` due emails of ``lane`` (skipping rows other workers hold)."""
    now = timezone.now()
    token, expires = uuid.uuid4(), now + timedelta(seconds=lease_seconds)
    with transaction.atomic():
        ids = list(
            due(now)
            .filter(lane_filter(lane))
            .order_by(F("priority").desc(nulls_last=True), "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("id", flat=True)[:batch_size]
        )
        ids = _still_free(ids, now)
        if not ids:
            return Claim(token, [], expires, worker, now)
        reclaimed = _flag_interrupted(ids)
        Delivery.objects.bulk_create([Delivery(email_id=i) for i in ids], ignore_conflicts=True)
        Delivery.objects.filter(email_id__in=ids).update(
            state=State.QUEUED,
            lease_token=token,
            lease_expires_at=expires,
            worker=worker[:200],
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return Claim(token, ids, expires, worker, now, reclaimed)


def _still_free(ids: list[int], now: datetime) -> list[int]:
    """Drop rows another worker leased while this one waited for their locks.

    The locking SELECT judged the lease with a snapshot taken before that worker committed
    (the lease lives on Delivery, not on the locked Email row, so PostgreSQL does not
    re-check it); this second statement sees every committed lease. The Email's own status
    is on the locked row, which PostgreSQL does re-check, so it needs no second look.
    """
    taken = set(
        Delivery.objects.filter(email_id__in=ids, lease_expires_at__gt=now).values_list(
            "email_id", flat=True
        )
    )
    return [i for i in ids if i not in taken]


def _flag_interrupted(ids: list[int]) -> list[int]:
    """Mark emails whose last worker died between "sending" and recording the outcome.

    SES may have accepted such an email already: it is sent again (at-least-once), flagged
    ``possible_duplicate`` and logged, so the case is visible instead of silent.
    """
    interrupted = list(
        Delivery.objects.filter(email_id__in=ids, state=State.SENDING).values_list(
            "email_id", flat=True
        )
    )
    if interrupted:
        Delivery.objects.filter(email_id__in=interrupted).update(possible_duplicate=True)
        Log.objects.bulk_create(
            Log(
                email_id=i,
                status=STATUS.requeued,
                exception_type="LeaseExpired",
                message="Reclaimed after its worker stopped mid-send; SES may have accepted "
                "the earlier attempt, so this send may be a duplicate.",
            )
            for i in interrupted
        )
    return interrupted


def _held(email_id: int, token: uuid.UUID) -> QuerySet[Delivery]:
    return Delivery.objects.filter(email_id=email_id, lease_token=token)


def mark_sending(email_ids: list[int], token: uuid.UUID) -> list[int]:
    """Note that SES calls for these emails are about to start (one UPDATE for the wave).

    Returns the ids still held under a live lease: only those may be sent.
    """
    now = timezone.now()
    held = Delivery.objects.filter(
        email_id__in=email_ids,
        lease_token=token,
        lease_expires_at__gt=now,
        email__status__in=PENDING,  # a campaign paused or cancelled meanwhile is not sent
    )
    if held.update(state=State.SENDING, updated_at=now) == len(email_ids):
        return list(email_ids)
    return list(
        Delivery.objects.filter(
            email_id__in=email_ids, lease_token=token, state=State.SENDING
        ).values_list("email_id", flat=True)
    )


@dataclass(frozen=True)
class Sent:
    """SES accepted an email: what to record."""

    email_id: int
    ses_message_id: str
    recipients: list[str]
    dropped: list[dict[str, Any]]


def record_sent(token: uuid.UUID, sent: list[Sent]) -> None:
    """SES accepted these emails: store their MessageIds and mark them sent, in one transaction.

    Only rows this worker still holds (its lease token) get the outcome. One parameterised
    UPDATE per row through ``executemany`` (pipelined by psycopg): Django's ``bulk_update``
    builds a CASE per field and row and cost more CPU than the SES calls. A row whose lease
    was taken over mid-call keeps this copy's MessageId beside the other (``keep_late``).
    Feedback that SES sent before this commit is linked right after it
    (``mailer.queue.feedback_links``).
    """
    if not sent:
        return
    now = timezone.now()
    token_param = _db_value("lease_token", token)
    with transaction.atomic():
        held = set(
            Delivery.objects.select_for_update()
            .filter(email_id__in=[s.email_id for s in sent], lease_token=token)
            .values_list("email_id", flat=True)
        )
        rows = [
            (
                s.ses_message_id,
                _db_value("recipients", s.recipients),
                _db_value("dropped", s.dropped),
                _db_value("sent_at", now),
                _db_value("updated_at", now),
                s.email_id,
                token_param,
            )
            for s in sent
            if s.email_id in held
        ]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(_RECORD_SENT_SQL, rows)
            Email.objects.filter(id__in=held).update(status=STATUS.sent, last_updated=now)
        keep_late([s for s in sent if s.email_id not in held], now)
    link_recorded_quietly([s.ses_message_id for s in sent])


_RECORD_SENT_SQL = f"""
UPDATE {Delivery._meta.db_table} SET state = '{State.SENT}', ses_message_id = %s,
  recipients = %s, dropped = %s, error = '', sent_at = %s, retrying_since = NULL,
  lease_token = NULL, lease_expires_at = NULL, updated_at = %s
WHERE email_id = %s AND lease_token = %s
"""


def keep_late(late: list[Sent], now: datetime) -> None:
    """SES accepted copies after their worker lost the lease: the lease holder records the
    outcome; this copy's MessageId is kept in ``other_message_id`` (so feedback for it links
    back), the email is flagged ``possible_duplicate`` and the case is logged."""
    for s in late:
        flagged = Delivery.objects.filter(email_id=s.email_id)
        flagged.filter(other_message_id__isnull=True).exclude(
            ses_message_id=s.ses_message_id
        ).update(other_message_id=s.ses_message_id)
        flagged.update(possible_duplicate=True, updated_at=now)
        Log.objects.create(
            email_id=s.email_id,
            status=STATUS.sent,
            exception_type="LateOutcome",
            message=f"SES accepted a copy (MessageId {s.ses_message_id}) after this worker's "
            "lease ran out; the worker holding the lease records the email's outcome.",
        )


def _db_value(field_name: str, value: object) -> Any:
    """``value`` as the database expects it for a Delivery field (uuid, json, datetime)."""
    field = Delivery._meta.get_field(field_name)
    assert isinstance(field, models.Field)  # a concrete column, not a relation's other side
    return field.get_db_prep_save(value, connection)


def record_failed(email_id: int, token: uuid.UUID, error: str, kind: str = "") -> None:
    """The email cannot be sent: keep the reason on the row and in post_office's Log."""
    _finish(email_id, token, State.FAILED, error, kind or "SendFailed")


def record_suppressed(email_id: int, token: uuid.UUID, dropped: list[dict[str, Any]]) -> None:
    """Every recipient is suppressed: the email ends neither sent nor failed, with the reasons."""
    now = timezone.now()
    with transaction.atomic():
        _held(email_id, token).update(dropped=dropped, updated_at=now)
        _finish(email_id, token, State.SUPPRESSED, suppressed_error(dropped), "Suppressed")


def suppressed_error(dropped: list[dict[str, Any]]) -> str:
    """The reason an email whose every recipient is suppressed was not sent."""
    reasons = ", ".join(f"{d['address']} ({d['reason']})" for d in dropped)
    return f"All recipients suppressed: {reasons}"


def record_now(email_id: int, state: State, **fields: object) -> None:
    """The outcome of an email post_office sent itself (priority "now"): no lease, no claim.

    post_office sets the Email's status from whether its backend raised; this keeps
    Mailroom's side (SES MessageId, recipients, dropped, error) as for queued mail.
    """
    if state == State.SENT:
        fields.setdefault("sent_at", timezone.now())
    # save() stamps updated_at (auto_now): only the bulk .update() calls above set it by hand.
    Delivery.objects.update_or_create(email_id=email_id, defaults={"state": state, **fields})
    mail_id = fields.get("ses_message_id")
    if mail_id:
        transaction.on_commit(lambda: link_recorded_quietly([str(mail_id)]))


def _finish(email_id: int, token: uuid.UUID, state: State, error: str, kind: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        if not _held(email_id, token).update(
            state=state, error=error, lease_token=None, lease_expires_at=None, updated_at=now
        ):
            return  # lease lost: whoever holds it now records the outcome
        Email.objects.filter(id=email_id).update(status=STATUS.failed, last_updated=now)
        Log.objects.create(
            email_id=email_id, status=STATUS.failed, message=error, exception_type=kind[:255]
        )


@dataclass(frozen=True)
class Retry:
    """How to put an email back: ``delay(failures)`` seconds from now; ``spend`` counts it as a
    transient error (retried for ``retry_for`` from the first); ``ambiguous`` flags it as a
    possible duplicate (SES may have accepted the attempt)."""

    delay: Callable[[int], float]
    spend: bool = False
    retry_for: timedelta | None = None
    ambiguous: bool = False


def defer(email_id: int, token: uuid.UUID, error: str, retry: Retry) -> bool:
    """Put the email back in the queue, due after ``retry.delay``; throttles and pauses do not
    spend (``Delivery.throttles``), transient errors do (``Delivery.failures``), and once they
    have been retried for ``retry.retry_for`` the email fails with its last error instead.
    Returns False if it failed. Does nothing if this worker no longer holds the lease."""
    delivery = _held(email_id, token).values("failures", "retrying_since").first()
    if delivery is None:
        return True
    now = timezone.now()
    since = delivery["retrying_since"]
    if retry.spend and retry.retry_for and since and now - since >= retry.retry_for:
        record_failed(email_id, token, f"Retried for {now - since}; last error: {error}",
                      "RetriesExhausted")  # fmt: skip
        return False
    counter = "failures" if retry.spend else "throttles"
    changes: dict[str, object] = {counter: F(counter) + 1}
    if retry.spend and since is None:
        changes["retrying_since"] = now
    if retry.ambiguous:
        changes["possible_duplicate"] = True
    with transaction.atomic():
        _held(email_id, token).update(
            state=State.QUEUED, error=error, lease_token=None, lease_expires_at=None,
            updated_at=now, **changes,
        )  # fmt: skip
        due_at = now + timedelta(seconds=retry.delay(delivery["failures"]))
        Email.objects.filter(id=email_id).update(scheduled_time=due_at, last_updated=now)
        if retry.ambiguous:
            Log.objects.create(
                email_id=email_id, status=STATUS.requeued, exception_type="AmbiguousOutcome",
                message=f"{error} SES may have accepted it: the retry may be a duplicate.",
            )  # fmt: skip
    return True


def release(email_ids: list[int], token: uuid.UUID) -> int:
    """Give back emails this worker claimed but did not start (e.g. its lease ran short)."""
    return Delivery.objects.filter(email_id__in=email_ids, lease_token=token).update(
        state=State.QUEUED, lease_token=None, lease_expires_at=None, updated_at=timezone.now()
    )


def expire_overdue(now: datetime | None = None) -> int:
    """Fail pending emails whose ``expires_at`` passed before any worker could send them."""
    now = now or timezone.now()
    overdue = Email.objects.filter(status__in=PENDING, expires_at__lte=now).exclude(
        delivery__lease_expires_at__gt=now
    )
    message = "Expired before it could be sent."
    with transaction.atomic():
        ids = list(overdue.values_list("id", flat=True)[:1000])
        Delivery.objects.bulk_create([Delivery(email_id=i) for i in ids], ignore_conflicts=True)
        Delivery.objects.filter(email_id__in=ids).update(
            state=State.FAILED, error=message, updated_at=now
        )
        Email.objects.filter(id__in=ids).update(status=STATUS.failed, last_updated=now)
        Log.objects.bulk_create(
            Log(email_id=i, status=STATUS.failed, exception_type="Expired", message=message)
            for i in ids
        )
    return len(ids)


# --- Email.status: what post_office's column means to Mailroom --------------------------------
# queued/requeued (PENDING): waiting for a worker; sent/failed: final; NULL: held (a paused
# campaign's mail, or a priority "now" email post_office is sending itself). ``due()`` claims
# only PENDING rows, so a held row is never claimed; a row a worker had already claimed may
# still be sent (its outcome is recorded over the NULL); one it gives back stays held.
HELD = Q(status__isnull=True)
NOT_SENT = Q(status__in=PENDING) | HELD


def hold(emails: QuerySet[Email], now: datetime) -> int:
    """Take the pending ones of ``emails`` out of the queue; returns how many."""
    return emails.filter(status__in=PENDING).update(status=None, last_updated=now)


def release_held(emails: QuerySet[Email], now: datetime) -> int:
    """Put the held ones of ``emails`` back in the queue; returns how many."""
    return emails.filter(HELD).update(status=STATUS.queued, last_updated=now)


def fail_unsent(emails: QuerySet[Email], now: datetime, message: str, kind: str) -> int:
    """Fail every pending or held one of ``emails``, logging ``message`` as ``kind``.

    Rows are locked (in id order, as workers lock them) before they are failed: the lock
    re-checks the status, so an email a worker recorded as sent meanwhile stays sent.
    """
    locking = emails.filter(NOT_SENT).order_by("id").select_for_update(of=("self",))
    total = 0
    while ids := list(locking.values_list("id", flat=True)[:FAIL_CHUNK]):
        Email.objects.filter(id__in=ids).update(status=STATUS.failed, last_updated=now)
        Log.objects.bulk_create(
            Log(email_id=i, status=STATUS.failed, message=message, exception_type=kind) for i in ids
        )
        total += len(ids)
    return total


def unsent_bulk() -> int:
    """Bulk emails not sent yet: pending in the queue or held by a paused campaign."""
    count: int = Email.objects.filter(NOT_SENT, lane_filter(BULK)).count()
    return count


def stranded(now: datetime, after: timedelta) -> QuerySet[Email]:
    """Priority "now" emails whose web request died mid-send (gunicorn's timeout): post_office
    leaves them with no status, which no worker claims. Campaign mail held with no status is
    the bulk lane's, and not stranded."""
    emails: QuerySet[Email] = Email.objects.filter(
        status__isnull=True, priority=PRIORITY.now, created__lte=now - after
    )
    return emails


def repair_stranded(after: timedelta, now: datetime | None = None) -> int:
    """Hand stranded "now" emails to the workers: queued, logged (the sweep calls this)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(stranded(now, after).select_for_update(skip_locked=True)
                   .values_list("id", flat=True)[:1000])  # fmt: skip
        Email.objects.filter(id__in=ids).update(status=STATUS.queued, last_updated=now)
        Log.objects.bulk_create(
            Log(email_id=i, status=STATUS.queued, exception_type="Stranded",
                message="Its priority 'now' send never finished (the web request was killed?);"
                " queued for the workers.")
            for i in ids
        )  # fmt: skip
    return len(ids)
