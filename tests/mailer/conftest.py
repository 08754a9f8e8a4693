"""Fixtures of the mailer tests that need more than the shared ones: one worker for a whole test
class, and campaigns (used by the campaign, queue and suppression tests alike)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mailer.campaigns import control
from mailer.campaigns.models import Campaign
from tests.support.campaigns import new_campaign
from tests.support.mailbox import Mailroom, running_mailroom


@pytest.fixture(scope="class")
def mailroom(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Mailroom]:
    """The SES sandbox and one real worker for a whole test class (``self.mailroom``)."""
    with django_db_blocker.unblock(), running_mailroom(tmp_path_factory.mktemp("mail")) as box:
        if request.cls is not None:
            request.cls.mailroom = box
        yield box


@pytest.fixture
def make_campaign(db) -> Callable[..., Campaign]:
    """Create a draft campaign with an audience from CSV text (default: 5 recipients)."""
    return new_campaign


@pytest.fixture
def sending(make_campaign) -> Callable[..., Campaign]:
    """A campaign marked sending (its fan-out task, if any, is not run: tests step it)."""

    def make(csv: str | None = None, **kwargs: str) -> Campaign:
        campaign = make_campaign(csv, **kwargs)
        return control.send(campaign.id)

    return make
