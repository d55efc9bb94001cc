"""The managed lists of areas, the base population and the values waiting for review, kept by the
system administrator in the administration site."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from access.admin import SystemAdminOnly, site
from areas.models import BasePopulation, LocalAuthority, Neighbourhood, PoliceArea, UnmappedValue
from audit import services as audit
from audit.models import AuditAction


@admin.register(LocalAuthority, site=site)
class LocalAuthorityAdmin(SystemAdminOnly):
    list_display = ("name", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")


@admin.register(PoliceArea, site=site)
class PoliceAreaAdmin(SystemAdminOnly):
    list_display = ("name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(Neighbourhood, site=site)
class NeighbourhoodAdmin(SystemAdminOnly):
    list_display = ("name", "local_authority", "police_area", "is_active")
    list_filter = ("local_authority", "police_area", "is_active")
    list_select_related = ("local_authority", "police_area")
    search_fields = ("name",)


@admin.register(BasePopulation, site=site)
class BasePopulationAdmin(SystemAdminOnly):
    list_display = ("neighbourhood", "age_band", "gender", "ethnicity", "count")
    list_editable = ("count",)
    list_filter = ("neighbourhood__local_authority", "neighbourhood", "age_band", "gender", "ethnicity")
    list_select_related = ("neighbourhood",)
    list_per_page = 50


@admin.register(UnmappedValue, site=site)
class UnmappedValueAdmin(SystemAdminOnly):
    """Values from older records and feeds that mapped to "Not recorded" (or to no area): find the
    records with the value, correct them, then mark the value reviewed."""

    list_display = ("field", "value", "source", "records", "example", "last_seen", "reviewed")
    list_filter = ("reviewed", "field", "source")
    search_fields = ("value",)
    readonly_fields = ("field", "value", "source", "records", "example", "first_seen", "last_seen")
    actions = ["mark_reviewed"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Mark the chosen values reviewed")
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for value in queryset.filter(reviewed=False):
            before = audit.snapshot(value)
            value.reviewed = True
            value.save(update_fields=["reviewed", "last_seen"])
            audit.record_write(request.user, AuditAction.UPDATE, value, before=before, after=audit.snapshot(value))
