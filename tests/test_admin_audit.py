"""The administration's writes are audited with real before and after values: a membership's role
changed, added or removed through the user page's memberships."""

import pytest
from django.forms import inlineformset_factory
from django.test import RequestFactory
from django.urls import reverse

from access.admin import UserAdmin, site
from accounts.models import Membership, Role, User
from audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def membership_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_type="accounts.membership").order_by("id"))


def user_page_data(user: User, memberships: list[dict]) -> dict:
    """The POST of the user's change page: their details and the memberships formset."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(sum(1 for row in memberships if row.get("id"))),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(memberships):
        data[f"memberships-{index}-user"] = str(user.pk)
        for key, value in row.items():
            if key == "is_active":
                if value:
                    data[f"memberships-{index}-is_active"] = "on"
            else:
                data[f"memberships-{index}-{key}"] = str(value)
    return data


def test_changing_a_role_in_the_administration_records_before_and_after(client_for, partnership):
    caseworker = partnership.users["caseworker"]
    membership = caseworker.memberships.get()
    council, police = partnership.agencies["council"], partnership.agencies["police"]
    data = user_page_data(
        caseworker,
        [
            {"id": membership.pk, "agency": council.pk, "role": Role.MANAGER, "is_active": True},
            {"agency": police.pk, "role": Role.POLICE_OFFICER, "is_active": True},
        ],
    )
    response = client_for("admin").post(reverse("admin:accounts_user_change", args=[caseworker.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    [update] = membership_events(AuditAction.UPDATE)
    assert update.object_id == str(membership.pk)
    assert update.user == partnership.users["admin"]
    before, after = update.detail["before"], update.detail["after"]
    assert (before["role"], after["role"]) == (Role.CASEWORKER, Role.MANAGER)
    assert before == {**after, "role": Role.CASEWORKER}
    assert update.detail["changed"] == ["role"]

    added = caseworker.memberships.get(agency=police)
    [create] = membership_events(AuditAction.CREATE)
    assert create.object_id == str(added.pk)
    assert create.detail["before"] is None
    assert (create.detail["after"]["role"], create.detail["after"]["agency_id"]) == (Role.POLICE_OFFICER, police.pk)


def test_saving_the_user_page_without_changing_a_membership_records_no_membership_event(client_for, partnership):
    caseworker = partnership.users["caseworker"]
    membership = caseworker.memberships.get()
    row = {"id": membership.pk, "agency": membership.agency_id, "role": membership.role, "is_active": True}
    response = client_for("admin").post(
        reverse("admin:accounts_user_change", args=[caseworker.pk]), user_page_data(caseworker, [row])
    )
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(object_type="accounts.membership").exists()


def test_a_membership_deleted_through_an_admin_formset_records_before_and_no_after(partnership):
    """The user page offers no delete (deactivate instead), but the admin's formset audit handles it."""
    caseworker, admin_user = partnership.users["caseworker"], partnership.users["admin"]
    membership = caseworker.memberships.get()
    snapshot = {"id": membership.pk, "agency_id": membership.agency_id, "role": membership.role}
    formset_class = inlineformset_factory(User, Membership, fields=["agency", "role", "is_active"], can_delete=True)
    prefix = "memberships"
    formset = formset_class(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-0-id": str(membership.pk),
            f"{prefix}-0-user": str(caseworker.pk),
            f"{prefix}-0-agency": str(membership.agency_id),
            f"{prefix}-0-role": membership.role,
            f"{prefix}-0-is_active": "on",
            f"{prefix}-0-DELETE": "on",
        },
        instance=caseworker,
        prefix=prefix,
    )
    assert formset.is_valid(), formset.errors
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    UserAdmin(User, site).save_formset(request, None, formset, change=True)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    [delete] = membership_events(AuditAction.DELETE)
    assert delete.object_id == str(membership.pk)
    assert delete.detail["after"] is None
    assert {key: delete.detail["before"][key] for key in snapshot} == snapshot
