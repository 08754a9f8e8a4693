"""mailer.W001: mail must be queued through Mailroom's EMAIL_BACKEND."""

from __future__ import annotations

from mailer.checks import check_email_backend


def test_post_offices_own_backend_is_reported(settings):
    settings.EMAIL_BACKEND = "post_office.EmailBackend"
    (warning,) = check_email_backend(None)
    assert warning.id == "mailer.W001" and "mailer.queue.EmailBackend" in warning.hint


def test_mailrooms_backend_passes(settings):
    settings.EMAIL_BACKEND = "mailer.queue.EmailBackend"
    assert check_email_backend(None) == []
