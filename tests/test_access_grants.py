"""Access grants as a product feature: the system administrator grants a named user one young
person until a date and ends it; the data protection officer sees grants; everyone else gets 404.
A grant works at once, only for that child, and stops at once when ended or past its last day;
every step is in the audit trail."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from access import services as access_services
from access.models import AccessGrant
from audit.models import AuditAction, AuditEvent
from conftest import PERSONAS
from tests.factories import AccessGrantFactory

pytestmark = pytest.mark.django_db

NOT_ADMIN = tuple(persona for persona in PERSONAS if persona != "admin")
NOT_VIEWER = tuple(persona for persona in PERSONAS if persona not in ("admin", "dpo"))


def date_fields(when, name="ends_on") -> dict:
    return {f"{name}_day": str(when.day), f"{name}_month": str(when.month), f"{name}_year": str(when.year)}


def grant_form(user="outreach", reference=None, reason="Seconded to the Topaz team", ends_on=None, **extra) -> dict:
    data = {"user": user, "reference": reference or "", "reason": reason}
    data.update(date_fields(ends_on or timezone.localdate() + timedelta(days=30)))
    data.update(extra)
    return data


def child_url(child) -> str:
    return reverse("cases:child_detail", args=[child.pk])


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


# The whole story through the pages ----------------------------------------------------------------


def test_grant_shows_one_child_until_ended_and_every_step_is_audited(client_for, partnership):
    p = partnership
    child, outreach = p.unlinked_child, p.users["outreach"]
    until = timezone.localdate() + timedelta(days=14)

    # Before: the outreach officer sees no children.
    client = client_for("outreach")
    assert client.get(child_url(child)).status_code == 404
    assert client.get(reverse("cases:child_search")).status_code == 404

    # The administrator grants them this one child.
    client = client_for("admin")
    response = client.post(
        reverse("cases:grant_create"), grant_form(reference=child.reference.lower(), ends_on=until), follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f"outreach can now see the record of {child.reference}" in body
    grant = AccessGrant.objects.get(user=outreach)
    assert (grant.child, grant.ends_on, grant.granted_by, grant.starts_on) == (
        child,
        until,
        p.users["admin"],
        timezone.localdate(),
    )
    assert child.given_name not in body  # the administrator holds no case content

    # The outreach officer now sees that child, and nothing else new.
    client = client_for("outreach")
    assert client.get(child_url(child)).status_code == 200
    for other in (p.council_child, p.shared_child, p.voluntary_child, p.mentee):
        assert client.get(child_url(other)).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert child_url(child) in home
    assert child_url(p.council_child) not in home
    found = client.post(reverse("cases:child_search"), {"name": child.family_name}).content.decode()
    assert child_url(child) in found
    others = client.post(reverse("cases:child_search"), {"name": p.council_child.family_name}).content.decode()
    assert child_url(p.council_child) not in others
    api_children = client.get(reverse("api:child-list")).json()
    assert [row["id"] for row in api_children["results"]] == [child.pk]
    # Their navigation now offers the caseload pages, and each works (holding only what they see).
    for name in (
        "cases:context_list",
        "cases:referral_list",
        "interventions:intervention_list",
        "interventions:task_list",
    ):
        assert f'href="{reverse(name)}"' in home
        assert client.get(reverse(name)).status_code == 200

    # The administrator ends it; the outreach officer gets 404 again at once.
    client = client_for("admin")
    end_url = reverse("cases:grant_end", args=[grant.pk])
    page = client.get(end_url).content.decode()
    assert child.reference in page and "Why is this access ending?" in page
    response = client.post(end_url, {"end_reason": "Secondment finished"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.ended_by == p.users["admin"] and grant.ended_at is not None
    assert grant.end_reason == "Secondment finished"
    client = client_for("outreach")
    assert client.get(child_url(child)).status_code == 404
    assert client.get(reverse("cases:child_search")).status_code == 404

    # Each step is in the audit trail, in order.
    about_child = [
        (event.action, event.username)
        for event in events(object_type="cases.child", object_id=str(child.pk))
        if event.action in ("grant", "read", "grant_ended", "denied")
    ]
    assert about_child == [
        ("denied", "outreach"),
        ("grant", "admin"),
        ("read", "outreach"),
        ("grant_ended", "admin"),
        ("denied", "outreach"),
    ]
    granted = events(action=AuditAction.GRANT)[0]
    assert granted.reason == "Seconded to the Topaz team"
    assert granted.detail["user"] == outreach.pk and granted.detail["ends_on"] == until.isoformat()
    read = events(action=AuditAction.READ, user=outreach, object_type="cases.child")[0]
    assert read.detail == {"basis": "grant"}
    ended = events(action=AuditAction.GRANT_ENDED)[0]
    assert ended.reason == "Secondment finished" and ended.detail["grant"] == grant.pk
    writes = [(e.action, e.object_type) for e in events(object_type="access.accessgrant", user=p.users["admin"])]
    assert ("create", "access.accessgrant") in writes and ("update", "access.accessgrant") in writes


def test_grant_past_its_last_day_stops_working(client_for, partnership):
    p = partnership
    grant = access_services.grant_access(
        p.users["admin"], p.users["outreach"], p.unlinked_child, reason="Cover", ends_on=timezone.localdate()
    )
    client = client_for("outreach")
    assert client.get(child_url(p.unlinked_child)).status_code == 200  # the last day is inclusive
    today = timezone.localdate()
    AccessGrant.objects.filter(pk=grant.pk).update(starts_on=today - timedelta(days=10), ends_on=today - timedelta(1))
    assert client.get(child_url(p.unlinked_child)).status_code == 404
    assert events(action="denied", user=p.users["outreach"], object_id=str(p.unlinked_child.pk))
    # It is listed as past and expired.
    listing = client_for("admin").get(reverse("cases:grant_list"), {"status": "past"}).content.decode()
    assert p.unlinked_child.reference in listing and "Expired" in listing
    current = client_for("admin").get(reverse("cases:grant_list")).content.decode()
    assert p.unlinked_child.reference not in current


# Bad input: a clear message, nothing saved ------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"user": "nobody"}, "Choose an active user from the list"),
        ({"user": "deactivated"}, "Choose an active user from the list"),
        ({"user": ""}, "Choose the user who needs access"),
        ({"user": "admin"}, "You cannot give yourself access to a young person&#x27;s record"),
        ({"user": "dpo"}, "data protection officers and administrators do not see case records"),
        ({"reference": "ZZ-99999"}, "No young person has that reference"),
        ({"reference": ""}, "Enter the young person&#x27;s reference"),
        ({"reason": ""}, "Enter why this person needs to see this young person&#x27;s record"),
        ({"reason": "   "}, "Enter why this person needs to see this young person&#x27;s record"),
        ({"past": True}, "The last day must be today or in the future"),
        ({"far": True}, "Access can be granted for at most a year at a time"),
        ({"no_date": True}, "Enter the last day the access works"),
        ({"bad_date": True}, "Enter a real date"),
        ({"overlap": True}, "This person already has access to this young person&#x27;s record"),
    ],
)
def test_bad_grant_input_is_refused_with_a_clear_message(client_for, partnership, change, message):
    p = partnership
    change = dict(change)  # the parameters are shared by every run of the test in this process
    gone = p.users["caseworker"].__class__.objects.create(username="deactivated", is_active=False)
    assert gone.pk
    data = grant_form(reference=p.unlinked_child.reference)
    today = timezone.localdate()
    if change.pop("past", False):
        data.update(date_fields(today - timedelta(days=1)))
    if change.pop("far", False):
        data.update(date_fields(today + timedelta(days=400)))
    if change.pop("no_date", False):
        data.update({"ends_on_day": "", "ends_on_month": "", "ends_on_year": ""})
    if change.pop("bad_date", False):
        data.update({"ends_on_day": "31", "ends_on_month": "2", "ends_on_year": str(today.year + 1)})
    if change.pop("overlap", False):
        data.update({"user": "mentor", "reference": p.mentee.reference})
    data.update(change)
    before = AccessGrant.objects.count()
    audit_before = AuditEvent.objects.filter(action__in=["grant", "create"]).count()
    response = client_for("admin").post(reverse("cases:grant_create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in body
    assert AccessGrant.objects.count() == before
    assert AuditEvent.objects.filter(action__in=["grant", "create"]).count() == audit_before


def test_ending_needs_a_reason_and_saves_nothing_without_one(client_for, partnership):
    grant = AccessGrant.objects.get(user=partnership.users["mentor"])
    response = client_for("admin").post(reverse("cases:grant_end", args=[grant.pk]), {"end_reason": "  "})
    assert response.status_code == 400
    assert "Enter why the access is ending" in response.content.decode()
    grant.refresh_from_db()
    assert grant.ended_at is None and not AuditEvent.objects.filter(action="grant_ended").exists()


def test_an_ended_grant_cannot_be_ended_again(client_for, partnership):
    p = partnership
    grant = AccessGrant.objects.get(user=p.users["mentor"])
    access_services.end_access_grant(p.users["admin"], grant, reason="Match ended")
    client = client_for("admin")
    page = client.get(reverse("cases:grant_end", args=[grant.pk])).content.decode()
    assert "This access ended on" in page and "Match ended" in page
    response = client.post(reverse("cases:grant_end", args=[grant.pk]), {"end_reason": "Again"})
    assert response.status_code == 200
    grant.refresh_from_db()
    assert grant.end_reason == "Match ended"
    assert AuditEvent.objects.filter(action="grant_ended").count() == 1


# Who may reach the pages -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_ADMIN)
def test_only_the_administrator_may_grant_or_end(client_for, partnership, persona):
    p = partnership
    grant = AccessGrant.objects.get(user=p.users["mentor"])
    client = client_for(persona)
    assert client.get(reverse("cases:grant_create")).status_code == 404
    response = client.post(reverse("cases:grant_create"), grant_form(reference=p.unlinked_child.reference))
    assert response.status_code == 404
    assert client.get(reverse("cases:grant_end", args=[grant.pk])).status_code == 404
    assert client.post(reverse("cases:grant_end", args=[grant.pk]), {"end_reason": "No"}).status_code == 404
    assert AccessGrant.objects.count() == 1
    grant.refresh_from_db()
    assert grant.ended_at is None


@pytest.mark.parametrize("persona", NOT_VIEWER)
def test_only_the_administrator_and_dpo_see_the_list(client_for, partnership, persona):
    response = client_for(persona).get(reverse("cases:grant_list"), {"status": "all"})
    assert response.status_code == 404
    assert partnership.mentee.reference not in response.content.decode()


def test_an_unknown_grant_is_not_found(client_for, partnership):
    assert client_for("admin").get(reverse("cases:grant_end", args=[999999])).status_code == 404
    assert AuditEvent.objects.filter(action="denied", object_type="access.accessgrant").exists()


def test_dpo_sees_current_and_past_grants_but_cannot_change_them(client_for, partnership):
    p = partnership
    today = timezone.localdate()
    ended = AccessGrantFactory(user=p.users["outreach"], child=p.council_child)
    access_services.end_access_grant(p.users["admin"], ended, reason="No longer needed")
    expired = AccessGrantFactory(
        user=p.users["voluntary"],
        child=p.shared_child,
        starts_on=today - timedelta(days=20),
        ends_on=today - timedelta(days=2),
    )
    current = AccessGrant.objects.get(user=p.users["mentor"])
    client = client_for("dpo")

    page = client.get(reverse("cases:grant_list")).content.decode()
    assert p.mentee.reference in page and "Active" in page
    assert p.council_child.reference not in page and p.shared_child.reference not in page
    assert reverse("cases:grant_create") not in page
    assert reverse("cases:grant_end", args=[current.pk]) not in page
    for child in (p.mentee, p.council_child, p.shared_child):
        assert child.given_name not in page and child.family_name not in page  # references only

    past = client.get(reverse("cases:grant_list"), {"status": "past"}).content.decode()
    assert p.council_child.reference in past and p.shared_child.reference in past
    assert p.mentee.reference not in past
    assert "Ended" in past and "Expired" in past and "No longer needed" in past
    assert "Ended by admin" in past

    everything = client.get(reverse("cases:grant_list"), {"status": "all"}).content.decode()
    for child in (p.mentee, p.council_child, p.shared_child):
        assert child.reference in everything

    # The list views are audited as lists of grants.
    lists = events(action="list", user=p.users["dpo"])
    assert len(lists) == 3
    shown = {s.object_id for s in lists[2].subjects.all()}
    assert {s.object_type for s in lists[2].subjects.all()} == {"access.accessgrant"}
    assert shown == {str(current.pk), str(ended.pk), str(expired.pk)}


def test_administrator_sees_end_links_and_the_list_pages(client_for, partnership):
    p = partnership
    for n in range(30):
        AccessGrantFactory(user=p.users["outreach"], child=p.council_child, ended_at=timezone.now(), reason=f"r{n}")
    client = client_for("admin")
    page = client.get(reverse("cases:grant_list"), {"status": "all"}).content.decode()
    assert reverse("cases:grant_create") in page
    assert "Page 1 of 2 (31 in total)" in page
    assert "?status=all&amp;page=2" in page
    current = AccessGrant.objects.get(user=p.users["mentor"])
    first = client.get(reverse("cases:grant_list")).content.decode()
    assert reverse("cases:grant_end", args=[current.pk]) in first


def test_navigation_and_audit_home_link_to_the_grants(client_for, partnership):
    url = reverse("cases:grant_list")
    assert f'href="{url}"' in client_for("admin").get(reverse("home")).content.decode()
    assert f'href="{url}"' in client_for("dpo").get(reverse("oversight:index")).content.decode()
    assert f'href="{url}"' not in client_for("caseworker").get(reverse("home")).content.decode()


# The DPO's audit pages show grants and their ends ---------------------------------------------------


def test_dpo_audit_pages_show_the_grant_and_its_end(client_for, partnership):
    p = partnership
    until = timezone.localdate() + timedelta(days=10)
    grant = access_services.grant_access(
        p.users["admin"], p.users["outreach"], p.unlinked_child, reason="Seconded officer", ends_on=until
    )
    access_services.end_access_grant(p.users["admin"], grant, reason="Back to normal duties")
    client = client_for("dpo")
    child_trail = client.get(reverse("oversight:child_trail", args=[p.unlinked_child.pk])).content.decode()
    assert "Granted access" in child_trail and "Ended access" in child_trail
    assert "for outreach until" in child_trail and "Seconded officer" in child_trail
    assert "Access for outreach ended" in child_trail and "Back to normal duties" in child_trail
    # What the outreach officer's trail shows: the grant given to them and its end, by whom.
    user_trail = client.get(reverse("oversight:user_trail", args=[p.users["outreach"].pk])).content.decode()
    assert "Granted access" in user_trail and "Ended access" in user_trail and "By admin." in user_trail
    admin_trail = client.get(reverse("oversight:user_trail", args=[p.users["admin"].pk])).content.decode()
    assert "Granted access" in admin_trail and "By admin." not in admin_trail


# The service itself ------------------------------------------------------------------------------


def test_service_refuses_anyone_but_the_administrator(partnership):
    p = partnership
    for persona in NOT_ADMIN:
        with pytest.raises(PermissionDenied):
            access_services.grant_access(
                p.users[persona], p.users["outreach"], p.unlinked_child, reason="x", ends_on=timezone.localdate()
            )
        with pytest.raises(PermissionDenied):
            access_services.end_access_grant(p.users[persona], AccessGrant.objects.get(), reason="x")
    assert AccessGrant.objects.count() == 1


def test_service_allows_a_new_grant_after_the_old_one_ended(partnership):
    p = partnership
    admin, mentor = p.users["admin"], p.users["mentor"]
    with pytest.raises(ValidationError) as error:
        access_services.grant_access(admin, mentor, p.mentee, reason="Again", ends_on=timezone.localdate())
    assert "user" in error.value.message_dict
    access_services.end_access_grant(admin, AccessGrant.objects.get(), reason="Match ended")
    again = access_services.grant_access(admin, mentor, p.mentee, reason="Rematched", ends_on=timezone.localdate())
    assert again.is_active and AccessGrant.objects.count() == 2


def test_the_grant_form_finds_users_rather_than_listing_them(client_for, partnership):
    """No list of every user: "Find" (or the autocomplete) offers active users matching a username
    or a name; the answer's values are usernames, which the form takes."""
    from accounts.models import User

    User.objects.filter(username="voluntary").update(is_active=False)
    admin = client_for("admin")
    url = reverse("cases:grant_create")
    page = admin.get(url).content.decode()
    assert 'value="outreach"' not in page and 'value="caseworker"' not in page
    assert f'data-find-url="{reverse("cases:grant_find_users")}" data-field-name="user"' in page
    found = admin.post(url, {"find": "user", "user_search": "outreach"})
    assert found.status_code == 200 and "There is a problem" not in found.content.decode()
    assert 'type="radio" value="outreach"' in found.content.decode()
    answer = admin.post(reverse("cases:grant_find_users"), {"q": "outreach"}).json()["results"]
    assert [result["id"] for result in answer] == ["outreach"]
    inactive_left_out = admin.post(reverse("cases:grant_find_users"), {"q": "voluntary"}).json()["results"]
    assert [result["id"] for result in inactive_left_out] == ["voluntary_coordinator"]
    assert client_for("caseworker").post(reverse("cases:grant_find_users"), {"q": "ou"}).status_code == 404
    assert not AccessGrant.objects.filter(user__username="outreach").exists()
