"""What the guard and operators do: hold bulk mail, pause a campaign, warn, resume with a note."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from mailer import permissions
from mailer.lanes import BULK
from mailer.reputation import campaigns, guard, notify
from mailer.reputation.exceptions import NoteRequired, NotHeld, ResumeNotAllowed
from mailer.reputation.models import GuardEvent
from mailer.reputation.rates import Counts
from mailer.sending import wakeup

Action = GuardEvent.Action
GUARD = "reputation guard"
RESUME_PERMISSION = permissions.RESUME_BULK


def _record(action: str, reason: str, counts: Counts | None = None, **fields: Any) -> GuardEvent:
    fields.setdefault("actor_name", GUARD)
    if counts is not None:
        fields.update(bounce_rate=counts.bounce_rate, complaint_rate=counts.complaint_rate,
                      sample=counts.attempts)
    event = GuardEvent.objects.create(action=action, reason=reason, **fields)
    guard.changed()
    return event


def _refs(named: dict[int, str]) -> list[dict[str, Any]]:
    return [{"id": cid, "name": name} for cid, name in named.items()]


def hold(reason: str, counts: Counts) -> GuardEvent:
    """Hold new bulk mail (the bulk drain stops claiming) and pause every running campaign."""
    event = _record(Action.HELD, reason, counts)
    event.campaigns = _refs(campaigns.pause_running())
    event.save(update_fields=["campaigns"])
    notify.held(event)
    return event


def pause_campaign(campaign_id: int, reason: str, counts: Counts) -> GuardEvent:
    """Pause one campaign alone (raises CampaignControlError if the campaigns app refuses)."""
    name = campaigns.pause(campaign_id)
    event = _record(Action.CAMPAIGN_PAUSED, reason, counts, campaign_id=campaign_id,
                    campaigns=_refs({campaign_id: name}))
    notify.campaign_paused(event)
    return event


def warn(reason: str, counts: Counts) -> GuardEvent:
    event = _record(Action.WARNED, reason, counts)
    notify.warned(event)
    return event


def recover(counts: Counts) -> GuardEvent:
    event = _record(Action.RECOVERED, "Rates back under the warning thresholds.", counts)
    notify.recovered(event)
    return event


def resume(user: User, note: str, campaign_ids: Iterable[int] = ()) -> GuardEvent:
    """Lift the hold (an operator looked; ``note`` says what they found) and optionally resume
    campaigns the hold paused. Raises NoteRequired, ResumeNotAllowed or NotHeld."""
    if not note.strip():
        raise NoteRequired("Write a note saying what you checked before resuming bulk mail.")
    if not user.has_perm(RESUME_PERMISSION):
        raise ResumeNotAllowed(f"Resuming bulk mail needs the {RESUME_PERMISSION} permission.")
    with transaction.atomic():
        event = _resume_event(user, note.strip())
        event.campaigns = _refs({cid: campaigns.resume(cid) for cid in campaign_ids})
        event.save(update_fields=["campaigns"])
        wakeup.request(BULK)
    notify.resumed(event)
    return event


def _resume_event(user: User, note: str) -> GuardEvent:
    held = guard.latest_account_event()
    if held is None or held.action != Action.HELD:
        raise NotHeld("Bulk mail is not held: there is nothing to resume.")
    name = user.get_username()
    reason = f"Resumed by {name} (held since {held.created_at:%Y-%m-%d %H:%M} UTC: {held.reason})"
    return _record(Action.RESUMED, reason, actor=user, actor_name=name, note=note)
