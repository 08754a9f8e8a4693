"""App config for bouncy."""

from django.apps import AppConfig


class BouncyConfig(AppConfig):
    name = "bouncy"
    verbose_name = "Bounces and complaints"
    default_auto_field = "django.db.models.BigAutoField"
