"""Settings for the post_office baseline: its own send_queued_mail with django-ses's backend."""

from project.settings.base import *  # noqa: F403

POST_OFFICE = {**POST_OFFICE, "BACKENDS": {"default": "django_ses.SESBackend"}, "LOG_LEVEL": 1}  # noqa: F405
