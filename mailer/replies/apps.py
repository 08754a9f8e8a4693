"""App config for replies: connects bouncy's ``received`` receiver and the system checks."""

from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "mailer.replies"
    label = "replies"
    verbose_name = "Replies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mailer.replies import checks, handling  # noqa: F401  (registers both)
