"""WSGI entry point for gunicorn (and runserver): Django, with the SNS webhook's POSTs served
outside the middleware stack (``bouncy.wsgi.WebhookRoute``, docs/decisions.md §17)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.base")
django_application = get_wsgi_application()

from bouncy.wsgi import WebhookRoute  # noqa: E402  (after Django is set up)

application = WebhookRoute(django_application)
