"""bouncy's URL: the SNS webhook at /mail/bouncy/."""

from django.urls import path

from bouncy import views

app_name = "bouncy"
urlpatterns = [
    path("", views.webhook, name="webhook"),
]
