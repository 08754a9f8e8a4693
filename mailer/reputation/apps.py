"""App config for the reputation guard: registers its system checks once Django is ready."""

from django.apps import AppConfig


class ReputationConfig(AppConfig):
    name = "mailer.reputation"
    label = "reputation"
    verbose_name = "Reputation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mailer.reputation import checks  # noqa: F401  (registers them)
