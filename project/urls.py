"""URL routes: the admin, the SNS webhook and one-click unsubscribe under /mail/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("mail/bouncy/", include("bouncy.urls")),
    path("mail/", include("mailer.urls")),
]
