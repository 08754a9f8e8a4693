"""URL routes: the admin, the SNS webhook and one-click unsubscribe under /mail/."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

# The admin (project.admin.MailroomAdminSite) is Mailroom's only site: "/" leads to it.
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index")),
    path("admin/", admin.site.urls),
    path("mail/bouncy/", include("bouncy.urls")),
    path("mail/", include("mailer.urls")),
]
