"""Fixtures of the mailer tests that need more than the shared ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mailer.mailbox import Mailroom, running_mailroom


@pytest.fixture(scope="class")
def mailroom(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Mailroom]:
    """The SES sandbox and one real worker for a whole test class (``self.mailroom``)."""
    with django_db_blocker.unblock(), running_mailroom(tmp_path_factory.mktemp("mail")) as box:
        if request.cls is not None:
            request.cls.mailroom = box
        yield box
