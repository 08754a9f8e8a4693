"""Mailroom's admin site: named after Mailroom, one name per list, no "View site" link.

A ModelAdmin with a ``menu_name`` is listed under it (two apps have a model called Delivery)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class MailroomAdminSite(AdminSite):
    site_header = "Mailroom"
    site_title = "Mailroom"
    index_title = "Mailroom administration"
    site_url = None  # the admin is the only site: no "View site" link leading to a 404

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        for app in apps:
            for model in app["models"]:
                model_admin = self._registry.get(model["model"])
                model["name"] = getattr(model_admin, "menu_name", None) or model["name"]
        return apps


class MailroomAdminConfig(AdminConfig):
    default_site = "project.admin.MailroomAdminSite"
