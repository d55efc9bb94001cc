"""The list of training modules a mentor completes before they can be active, kept by the system
administrator."""

from django.contrib import admin

from access.admin import SystemAdminOnly, site
from mentoring.models import TrainingModule


@admin.register(TrainingModule, site=site)
class TrainingModuleAdmin(SystemAdminOnly):
    list_display = ("name", "required", "is_active", "order")
    list_filter = ("required", "is_active")
    search_fields = ("name",)
