"""Campaigns for tests: audiences from CSV text, drafts, fan-out run to completion in this
process, and outcomes recorded as a worker records them."""

from __future__ import annotations

import io

from mailer.campaigns import audiences
from mailer.campaigns.authoring import Draft, create_campaign
from mailer.campaigns.fanout.steps import Step, step
from mailer.campaigns.models import Campaign


def csv_text(count: int, start: int = 0, domain: str = "example.com") -> str:
    """An audience CSV: email, first_name and n columns."""
    lines = ["email,first_name,n"]
    lines += [f"user{i}@{domain},User {i},{i}" for i in range(start, start + count)]
    return "\n".join(lines) + "\n"


def new_campaign(csv: str | None = None, *, name: str = "news", **templates: str) -> Campaign:
    """A draft campaign with an audience from CSV text (default: 5 recipients); ``templates``
    may set subject, text and html."""
    audience = audiences.create_audience(f"{name} audience", io.StringIO(csv or csv_text(5)))
    draft = Draft(
        name=name,
        subject=templates.get("subject", "Hi {{ first_name }}"),
        text=templates.get("text", "Hello {{ first_name }}, number {{ n }}."),
        html=templates.get("html", ""),
        from_email="News <news@example.com>",
    )
    return create_campaign(draft, audience)


def run_fanout(campaign_id: int, limit: int = 10_000) -> list[Step]:
    """Run fan-out steps in this process until one returns something other than MORE."""
    steps = []
    while len(steps) < limit:
        steps.append(step(campaign_id))
        if steps[-1] is not Step.MORE:
            return steps
    raise AssertionError("fan-out did not finish")


def settle_email(email_id: int, state: str, **delivery: object) -> None:
    """Record an outcome the way a worker does: Email.status and the Delivery row."""
    from post_office.models import STATUS, Email

    from mailer.models import Delivery

    status = STATUS.sent if state == "sent" else STATUS.failed
    Email.objects.filter(pk=email_id).update(status=status)
    Delivery.objects.update_or_create(email_id=email_id, defaults={"state": state, **delivery})
