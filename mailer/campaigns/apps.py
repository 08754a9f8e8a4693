"""App config for campaigns: connects the bouncy feedback receiver once Django is ready."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "mailer.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mailer.campaigns import feedback  # noqa: F401  (connects its receiver)
