"""App config for bouncy: registers its system checks once Django is ready."""

from django.apps import AppConfig


class BouncyConfig(AppConfig):
    name = "bouncy"
    verbose_name = "Bounces and complaints"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bouncy import checks  # noqa: F401  (registers the system checks)
