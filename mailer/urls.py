"""Mailroom's public URLs under /mail/."""

from django.urls import path

from mailer.suppression.views import unsubscribe_view

app_name = "mailer"
urlpatterns = [
    path("unsubscribe/<str:token>", unsubscribe_view, name="unsubscribe"),
]
