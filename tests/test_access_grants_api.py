"""/api/v1/access-grants/: the same rules as the pages. The administrator lists, reads, grants and
ends; the data protection officer lists and reads, and gets 403 on writes (they may see the grant
but their role cannot change it); everyone else gets 404; bad input is 400 with field errors and
saves nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AccessGrant
from accounts.models import User
from audit.models import AuditEvent
from conftest import PERSONAS
from tests.factories import AccessGrantFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:access-grant-list")
NOT_VIEWER = tuple(persona for persona in PERSONAS if persona not in ("admin", "dpo"))


def detail(pk) -> str:
    return reverse("api:access-grant-detail", args=[pk])


def end(pk) -> str:
    return reverse("api:access-grant-end", args=[pk])


def body(p, **change) -> dict:
    data = {
        "username": "outreach",
        "child_reference": p.unlinked_child.reference,
        "reason": "Seconded to the Topaz team",
        "ends_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    data.update(change)
    return data


def test_administrator_grants_and_ends_and_the_user_sees_the_child_only_meanwhile(client_for, partnership):
    p = partnership
    child_api = reverse("api:child-detail", args=[p.unlinked_child.pk])
    assert client_for("outreach").get(child_api).status_code == 404

    client = client_for("admin")
    response = client.post(LIST, body(p), content_type="application/json")
    assert response.status_code == 201, response.json()
    created = response.json()
    grant = AccessGrant.objects.get(user=p.users["outreach"])
    assert response["Location"] == detail(grant.pk)
    assert created["username"] == "outreach" and created["child_reference"] == p.unlinked_child.reference
    assert created["status"] == "Active" and created["granted_by"] == "admin" and created["ended_at"] is None
    assert p.unlinked_child.given_name not in response.content.decode()

    client = client_for("outreach")
    assert client.get(child_api).status_code == 200
    assert [row["id"] for row in client.get(reverse("api:child-list")).json()["results"]] == [p.unlinked_child.pk]
    assert client.get(reverse("api:child-detail", args=[p.council_child.pk])).status_code == 404

    client = client_for("admin")
    current = client.get(LIST, {"status": "current"}).json()
    assert {row["username"] for row in current["results"]} == {"outreach", "mentor"}
    assert client.get(detail(grant.pk)).json()["reason"] == "Seconded to the Topaz team"
    response = client.post(end(grant.pk), {"end_reason": "Secondment finished"}, content_type="application/json")
    assert response.status_code == 200
    ended = response.json()
    assert ended["status"] == "Ended" and ended["ended_by"] == "admin" and ended["end_reason"] == "Secondment finished"
    past = client.get(LIST, {"status": "past"}).json()
    assert [row["id"] for row in past["results"]] == [grant.pk]
    assert client.post(end(grant.pk), {"end_reason": "Again"}, content_type="application/json").status_code == 400

    assert client_for("outreach").get(child_api).status_code == 404
    actions = list(
        AuditEvent.objects.filter(object_type="cases.child", object_id=str(p.unlinked_child.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["denied", "grant", "read", "grant_ended", "denied"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"username": "nobody"}, "username", "No active user has that username"),
        ({"username": "deactivated"}, "username", "No active user has that username"),
        ({"username": "admin"}, "username", "You cannot give yourself access to a young person's record"),
        ({"child_reference": "ZZ-99999"}, "child_reference", "No young person has that reference"),
        ({"reason": ""}, "reason", "Give the reason this person needs to see this young person's record"),
        ({"reason": "   "}, "reason", "Give the reason this person needs to see this young person's record"),
        ({"ends_on": "past"}, "ends_on", "The last day must be today or in the future"),
        ({"ends_on": "not a date"}, "ends_on", "Give the last day as a date, like 2026-06-27"),
        ({"username": "mentor", "child_reference": "mentee"}, "username", "already has access"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_saves_nothing(client_for, partnership, change, field, message):
    p = partnership
    change = dict(change)  # the parameters are shared by every run of the test in this process
    User.objects.create(username="deactivated", is_active=False)
    if change.get("ends_on") == "past":
        change["ends_on"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    if change.get("child_reference") == "mentee":
        change["child_reference"] = p.mentee.reference
    before = (AccessGrant.objects.count(), AuditEvent.objects.filter(action__in=["grant", "create"]).count())
    response = client_for("admin").post(LIST, body(p, **change), content_type="application/json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors
    assert (AccessGrant.objects.count(), AuditEvent.objects.filter(action__in=["grant", "create"]).count()) == before


def test_missing_fields_are_each_named(client_for, partnership):
    response = client_for("admin").post(LIST, {}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "child_reference", "reason", "ends_on"}
    assert AccessGrant.objects.count() == 1


def test_unknown_status_filter_is_400(client_for, partnership):
    response = client_for("admin").get(LIST, {"status": "soon"})
    assert response.status_code == 400 and "status" in response.json()


def test_dpo_reads_but_writes_answer_403_and_save_nothing(client_for, partnership):
    p = partnership
    grant = AccessGrant.objects.get(user=p.users["mentor"])
    old = AccessGrantFactory(user=p.users["outreach"], child=p.council_child, ended_at=timezone.now())
    client = client_for("dpo")
    listing = client.get(LIST).json()
    assert {row["id"] for row in listing["results"]} == {grant.pk, old.pk}
    assert [row["id"] for row in client.get(LIST, {"status": "past"}).json()["results"]] == [old.pk]
    assert client.get(detail(grant.pk)).json()["child_reference"] == p.mentee.reference

    response = client.post(LIST, body(p), content_type="application/json")
    assert response.status_code == 403
    response = client.post(end(grant.pk), {"end_reason": "No"}, content_type="application/json")
    assert response.status_code == 403
    assert client.post(end(999999), {"end_reason": "No"}, content_type="application/json").status_code == 404
    assert AccessGrant.objects.count() == 2
    grant.refresh_from_db()
    assert grant.ended_at is None
    # Reads are audited: the list as grants, the single grant as a read.
    lists = AuditEvent.objects.filter(user=p.users["dpo"], action="list").order_by("id")
    assert {s.object_type for s in lists[0].subjects.all()} == {"access.accessgrant"}
    assert AuditEvent.objects.filter(
        user=p.users["dpo"], action="read", object_type="access.accessgrant", object_id=str(grant.pk)
    ).exists()


@pytest.mark.parametrize("persona", NOT_VIEWER)
def test_everyone_else_gets_404_on_every_route(client_for, partnership, persona):
    p = partnership
    grant = AccessGrant.objects.get(user=p.users["mentor"])
    client = client_for(persona)
    assert client.get(LIST).status_code == 404
    assert client.get(detail(grant.pk)).status_code == 404
    assert client.post(LIST, body(p), content_type="application/json").status_code == 404
    assert client.post(end(grant.pk), {"end_reason": "No"}, content_type="application/json").status_code == 404
    assert AccessGrant.objects.count() == 1
    grant.refresh_from_db()
    assert grant.ended_at is None


def test_anonymous_callers_are_refused(client, partnership):
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, body(partnership), content_type="application/json").status_code == 403


def test_schema_documents_the_resource(client_for, partnership):
    schema = client_for("admin").get(reverse("api_schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/access-grants/" in paths
    assert "/api/v1/access-grants/{id}/end/" in paths
    assert set(paths["/api/v1/access-grants/"]) >= {"get", "post"}
