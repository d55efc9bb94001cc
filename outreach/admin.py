"""The managed list of areas, kept by the system administrator."""

from django.contrib import admin

from access.admin import SystemAdminOnly, site
from outreach.models import Area


@admin.register(Area, site=site)
class AreaAdmin(SystemAdminOnly):
    list_display = ("name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
