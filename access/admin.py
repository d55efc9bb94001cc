"""The Django admin: configuration for system administrators only, never case content."""

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar, cast

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Permission
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from access import lookups, policy, services
from accounts.models import Agency, Membership, User
from audit import services as audit
from audit.models import AuditAction

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


class PartnershipAdminSite(admin.AdminSite):
    site_header = "Safer Options administration"
    site_title = "Administration"
    index_title = "Agencies, users and roles"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and policy.can(request.user, "administer")

    final_catch_all_view = False

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")

    def admin_view(self, view: _View, cacheable: bool = False) -> _View:
        """Signed-in people who are not system administrators get 'not found', like any record
        they may not see; only anonymous visitors are sent to sign in."""
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated:
                lookups.require_or_404(request.user, "administer")
            return inner(request, *args, **kwargs)

        return cast(_View, update_wrapper(wrapper, inner))


class SystemAdminOnly(admin.ModelAdmin):  # type: ignore[type-arg]  # not generic at run time
    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, "administer")

    has_view_permission = has_add_permission = has_change_permission = lambda self, request, obj=None: policy.can(
        request.user, "administer"
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: audit rows keep pointing at people and agencies

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        action = AuditAction.UPDATE if change else AuditAction.CREATE
        audit.record_write(request.user, action, obj, before=before, after=audit.snapshot(obj))

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        # The forms' instances already hold the submitted values: read the rows as they are before
        # the save. Deleting clears an instance's pk, so remember which row each instance was.
        pk_of = {id(each.instance): each.instance.pk for each in formset.initial_forms}
        stored = formset.model._default_manager.in_bulk([pk for pk in pk_of.values() if pk is not None])
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record_write(request.user, AuditAction.CREATE, obj, before=None, after=audit.snapshot(obj))
        for obj, _fields in formset.changed_objects:
            before = audit.snapshot(stored[obj.pk])
            audit.record_write(request.user, AuditAction.UPDATE, obj, before=before, after=audit.snapshot(obj))
        for obj in formset.deleted_objects:
            row = stored[pk_of[id(obj)]]
            audit.record_write(request.user, AuditAction.DELETE, row, before=audit.snapshot(row), after=None)


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]  # not generic at run time
    model = Membership
    extra = 1

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, "administer")

    has_add_permission = has_change_permission = has_view_permission

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


site = PartnershipAdminSite(name="admin")


@admin.register(Agency, site=site)
class AgencyAdmin(SystemAdminOnly):
    list_display = ("name", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(User, site=site)
class UserAdmin(SystemAdminOnly, BaseUserAdmin):  # type: ignore[type-arg]  # not generic at run time
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    list_filter = ("is_active",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal details", {"fields": ("first_name", "last_name", "email")}),
        ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
        ("Partnership figures", {"fields": ("user_permissions",)}),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["reset_two_factor", "send_password_reset"]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if change and "is_active" in form.changed_data and not obj.is_active:
            obj.session_generation += 1  # their sessions end now, and stay ended if they come back
        super().save_model(request, obj, form, change)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """Django's form to set someone's password, audited, and the person told by email."""
        with transaction.atomic():
            before = User.objects.filter(pk=unquote(id)).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=unquote(id)).first()
            if user is not None and before is not None and user.password != before:
                services.note_password_set(request.user, user)
        return response

    @admin.action(description="Email them a link to set a new password (nobody else sees it)")
    def send_password_reset(self, request: HttpRequest, queryset: Any) -> None:
        people = list(queryset)
        sent = sum(services.send_password_reset(request.user, user) for user in people)
        message = f"Links to set a new password sent to {sent} of {len(people)} people."
        if sent < len(people):
            message += " The others have no email address or their account is closed."
        self.message_user(request, message)

    @admin.action(description="Reset two-factor sign-in (they set it up again when they next sign in)")
    def reset_two_factor(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            services.reset_two_factor(request.user, user)
        self.message_user(request, f"Two-factor sign-in reset for {len(queryset)} people. Their sessions have ended.")

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """The one permission given here: reading the partnership's figures (policy
        "view_partnership_figures"); roles come from memberships."""
        if db_field.name == "user_permissions":
            app, codename = policy.PARTNERSHIP_FIGURES_PERMISSION.split(".")
            kwargs["queryset"] = Permission.objects.filter(content_type__app_label=app, codename=codename)
            kwargs["help_text"] = "Lets this person read counts over the whole partnership (no names)."
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Membership, site=site)
class MembershipAdmin(SystemAdminOnly):
    list_display = ("user", "agency", "role", "is_active")
    list_filter = ("role", "agency", "is_active")
    search_fields = ("user__username", "agency__name")
