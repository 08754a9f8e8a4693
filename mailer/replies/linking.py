"""Link a received reply to the sent Email (In-Reply-To / References) and its campaign."""

from __future__ import annotations

import re

from post_office.models import Email

from mailer.campaigns.models import CampaignRecipient

_MSGID = re.compile(r"<[^<>\s]+>")
MAX_IDS = 20  # References can be long; the newest ids are the likeliest to be ours


def message_ids(in_reply_to: str, references: list[str]) -> list[str]:
    """Candidate Message-IDs, best first: In-Reply-To, then References from the newest."""
    found = _MSGID.findall(in_reply_to) + _MSGID.findall(" ".join(reversed(references)))
    return list(dict.fromkeys(found))[:MAX_IDS]


def sent_email(in_reply_to: str, references: list[str]) -> Email | None:
    """The Email whose Message-ID the reply names (one indexed query)."""
    wanted = message_ids(in_reply_to, references)
    if not wanted:
        return None
    found = {e.message_id: e for e in Email.objects.filter(message_id__in=wanted)}
    return next((found[i] for i in wanted if i in found), None)


def campaign_id(email: Email | None) -> int | None:
    """The campaign that sent ``email``, if any."""
    if email is None:
        return None
    rows = CampaignRecipient.objects.filter(email_id=email.pk).values_list("campaign_id", flat=True)
    return next(iter(rows[:1]), None)
