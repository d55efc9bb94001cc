"""Configuration the system administrator keeps: intervention types and standing panels."""

from django.contrib import admin

from access.admin import SystemAdminOnly, site
from interventions.models import InterventionType, Panel


@admin.register(InterventionType, site=site)
class InterventionTypeAdmin(SystemAdminOnly):
    list_display = ("label", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("label", "code")


@admin.register(Panel, site=site)
class PanelAdmin(SystemAdminOnly):
    list_display = ("name", "chair_agency")
