"""What the system administrator keeps: the indicator definitions and the scoring model versions.

Changing an indicator (weight, window, event kinds, active) makes the next recalculation snapshot a
new ScoringModel version by itself. Thresholds change by adding a version here (it copies the current
indicator definitions); a version already used by runs is kept as it was, so every past score can
still be explained. Saves are audited (SystemAdminOnly)."""

from django.contrib import admin

from access.admin import SystemAdminOnly, site
from cohorts.models import IndicatorDefinition, ScoringModel, SourceSystem
from cohorts.services import scoring


@admin.register(IndicatorDefinition, site=site)
class IndicatorDefinitionAdmin(SystemAdminOnly):
    list_display = ("label", "code", "level", "domain", "weight", "window_days", "is_active")
    list_filter = ("level", "domain", "is_active")
    search_fields = ("label", "code")


@admin.register(SourceSystem, site=site)
class SourceSystemAdmin(SystemAdminOnly):
    list_display = ("label", "code")
    search_fields = ("label", "code")


@admin.register(ScoringModel, site=site)
class ScoringModelAdmin(SystemAdminOnly):
    list_display = ("version", "concern_threshold", "vulnerable_threshold", "most_vulnerable_threshold", "created_at")
    readonly_fields = ("version", "indicators", "created_by", "created_at")
    fields = (
        "version",
        "concern_threshold",
        "vulnerable_threshold",
        "most_vulnerable_threshold",
        "context_weight",
        "context_max_links",
        "context_window_days",
        "summary",
        "last_reviewed_on",
        "indicators",
        "created_by",
        "created_at",
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.runs.exists():
            # Used by a run: only the description and review date may change.
            return tuple(f for f in self.fields if f not in ("summary", "last_reviewed_on"))
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            latest = ScoringModel.objects.order_by("-version").first()
            obj.version = (latest.version + 1) if latest else 1
            obj.indicators = scoring.snapshot()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
