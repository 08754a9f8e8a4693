"""App config: connects Mailroom's signal receivers and replaces post_office's own send and
cleanup paths once Django is ready."""

from django.apps import AppConfig


class MailerConfig(AppConfig):
    name = "mailer"
    verbose_name = "Mailroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mailer import checks  # noqa: F401  (registers them)
        from mailer.pacing import limiter, quota
        from mailer.sending import (
            post_office_paths,
            wakeup,  # noqa: F401  (wakes workers on email_queued)
        )
        from mailer.suppression import feedback_receiver  # noqa: F401

        limiter.set_rate_source(quota.known_rate)
        post_office_paths.install()  # post_office's send_queued and cleanup take Mailroom's road
