"""Mailroom's public URLs under /mail/."""

app_name = "mailer"
urlpatterns: list = []
