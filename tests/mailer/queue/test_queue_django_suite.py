"""Django's own ``BaseEmailBackendTests``, run end to end through Mailroom.

Django's test suite defines what a mail backend does; Mailroom's EMAIL_BACKEND must pass it
with the whole pipeline in between: the queue, a real worker, SES (the sandbox). The mailbox
is what SES received. ``scripts/django-tests`` (run by ``scripts/test``) fetches the source
release of the pinned Django version; without it this module fails to load, loudly.
"""

from __future__ import annotations

import importlib.util

import django
import pytest
from django.core.exceptions import ValidationError
from django.test import TransactionTestCase, override_settings
from post_office.models import Email

from tests.support.files import BASE_DIR

SUITE = BASE_DIR / ".cache/django" / f"django-{django.get_version()}" / "tests/mail/tests.py"

if not SUITE.is_file():
    pytest.fail(
        f"Django's mail tests are missing ({SUITE.relative_to(BASE_DIR)}): run "
        "`bash scripts/django-tests` (scripts/test does) to fetch Django's source release.",
        pytrace=False,
    )


def _load_suite():
    spec = importlib.util.spec_from_file_location("django_mail_tests", SUITE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BaseEmailBackendTests = _load_suite().BaseEmailBackendTests

# The tests whose messages SES refuses, and why. Each is run, and must be refused at send()
# (nothing queued) instead of being queued and failed later by SES.
SES_REFUSED = {
    "test_recipient_without_domain": (
        "sends from 'tester' to 'django': SES accepts only addresses with a domain (user@domain)."
    ),
    "test_lazy_addresses": (
        "its lazy addresses ('tester', 'to1', 'cc1', 'bcc', 'reply') have no domain, which SES "
        "refuses; lazy subjects, bodies and headers are covered by test_queue_fidelity.py."
    ),
}


def _refused(name: str, reason: str):
    original = getattr(BaseEmailBackendTests, name)

    def test(self) -> None:
        with self.assertRaisesMessage(ValidationError, "Enter a valid email address"):
            original(self)
        self.assertFalse(Email.objects.exists())

    test.__name__, test.__doc__ = name, f"SES refuses this one: {reason}"
    return test


@pytest.mark.usefixtures("mailroom")
class MailroomBackendTests(BaseEmailBackendTests, TransactionTestCase):
    """Django's backend contract, with SES's mailbox after a real worker drained the queue."""

    email_backend = "mailer.queue.EmailBackend"

    def get_mailbox_content(self):
        return self.mailroom.mailbox()

    def flush_mailbox(self):
        self.mailroom.flush()

    def setUp(self):
        super().setUp()
        # The suite sets EMAIL_BACKEND for the class; conftest's autouse fixture would win.
        self.enterContext(override_settings(EMAIL_BACKEND=self.email_backend))
        self.mailroom.flush()

    locals().update({name: _refused(name, reason) for name, reason in SES_REFUSED.items()})
