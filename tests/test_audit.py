"""Every look at, search for, export of and change to a child leaves exactly the right audit row."""

import json

import pytest
from django.db import connection, transaction
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent, AuditSubject
from cases.models import Child

pytestmark = pytest.mark.django_db


def only_event(**filters) -> AuditEvent:
    events = list(AuditEvent.objects.filter(**filters))
    assert len(events) == 1, f"expected one audit event for {filters}, found {len(events)}"
    return events[0]


def subject_ids(event: AuditEvent) -> set[str]:
    return set(event.subjects.values_list("object_id", flat=True))


def test_reading_a_child_records_who_which_agency_role_request_and_address(client_for, partnership):
    child = partnership.council_child
    response = client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    event = only_event(action="read", object_type="cases.child")
    assert event.object_id == str(child.pk)
    assert event.user == partnership.users["caseworker"]
    assert event.agency == partnership.agencies["council"]
    assert event.role == "caseworker"
    assert event.request_id == response.headers["X-Request-ID"]
    assert event.ip_address == "10.1.2.3"
    assert event.path == f"/children/{child.pk}/"
    assert event.detail == {"basis": "involvement"}
    assert subject_ids(event) == {str(child.pk)}


def test_forwarded_for_header_from_a_client_is_not_believed(client_for, partnership):
    client_for("caseworker").get(
        reverse("cases:child_detail", args=[partnership.council_child.pk]),
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert only_event(action="read").ip_address == "10.1.2.3"


def test_forwarded_for_is_believed_from_a_configured_proxy(client_for, partnership, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    client_for("caseworker").get(
        reverse("cases:child_detail", args=[partnership.council_child.pk]),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7",
    )
    # The right-most hop is the one our proxy saw; anything to its left the client could forge.
    assert only_event(action="read").ip_address == "198.51.100.7"


def test_home_list_records_the_ids_it_showed(client_for, partnership):
    client_for("caseworker").get(reverse("home"))
    event = only_event(action="list")
    assert subject_ids(event) == {str(partnership.council_child.pk), str(partnership.shared_child.pk)}


def test_search_records_ids_returned_and_never_the_name_in_clear(client_for, partnership):
    child = partnership.council_child
    response = client_for("caseworker").post(reverse("cases:child_search"), {"name": child.family_name})
    assert response.status_code == 200
    event = only_event(action="search")
    assert str(child.pk) in subject_ids(event)
    assert event.detail["fields"] == ["name"]
    stored = json.dumps(
        {"detail": event.detail, "path": event.path, "reason": event.reason, "object_id": event.object_id}
    )
    assert child.family_name.casefold() not in stored.casefold()


def test_search_terms_never_travel_in_the_url(client_for, partnership):
    response = client_for("caseworker").get(reverse("cases:child_search"), {"name": "Smith"})
    assert "Smith" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="search").exists()


def test_export_records_every_id_exported(client_for, partnership):
    response = client_for("caseworker").get(reverse("cases:children_export"))
    assert response.status_code == 200
    event = only_event(action="export")
    assert subject_ids(event) == {str(partnership.council_child.pk), str(partnership.shared_child.pk)}


def test_change_records_before_and_after(client_for, partnership):
    child = partnership.council_child
    data = {
        "given_name": child.given_name,
        "family_name": "Newname",
        "date_of_birth_day": child.date_of_birth.day,
        "date_of_birth_month": child.date_of_birth.month,
        "date_of_birth_year": child.date_of_birth.year,
        "gender": child.gender,
        "ethnicity": child.ethnicity,
        "neighbourhood": "",
        "status": "open",
        "version": child.version,
    }
    response = client_for("caseworker").post(reverse("cases:child_edit", args=[child.pk]), data)
    assert response.status_code == 302
    event = only_event(action="update", object_type="cases.child")
    assert event.detail["before"]["family_name"] == child.family_name
    assert event.detail["after"]["family_name"] == "Newname"
    assert event.detail["changed"] == ["family_name", "updated_at", "version"]


def test_refused_read_is_audited_and_answered_404(client_for, partnership):
    child = partnership.council_child
    response = client_for("voluntary").get(reverse("cases:child_detail", args=[child.pk]))
    assert response.status_code == 404
    event = only_event(action="denied")
    assert (event.user, event.object_type, event.object_id) == (
        partnership.users["voluntary"],
        "cases.child",
        str(child.pk),
    )
    assert not AuditEvent.objects.filter(action="read").exists()


def test_api_reads_are_audited_like_pages(client_for, partnership):
    client = client_for("caseworker")
    client.get("/api/v1/children/")
    client.get(f"/api/v1/children/{partnership.council_child.pk}/")
    assert subject_ids(only_event(action="list")) == {
        str(partnership.council_child.pk),
        str(partnership.shared_child.pk),
    }
    assert only_event(action="read").object_id == str(partnership.council_child.pk)


def test_sign_in_and_failed_sign_in_are_audited(client, partnership):
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": "wrong password"})
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": "correct horse battery"})
    failed = only_event(action="login_failed")
    assert failed.username == "caseworker" and failed.user is None
    assert only_event(action="login").user == partnership.users["caseworker"]


def test_dpo_sees_who_accessed_a_child_and_what_a_user_accessed(client_for, partnership):
    child = partnership.council_child
    client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk]))
    client_for("voluntary").get(reverse("cases:child_detail", args=[child.pk]))
    dpo = client_for("dpo")
    trail = dpo.get(reverse("oversight:child_trail", args=[child.pk])).content.decode()
    assert "caseworker" in trail and "Viewed a record" in trail
    assert "voluntary" in trail and "Refused access" in trail
    # The DPO's page shows who and when, not the case content.
    assert child.family_name not in trail
    activity = dpo.get(reverse("oversight:user_trail", args=[partnership.users["caseworker"].pk])).content.decode()
    assert f"cases.child {child.pk}" in activity


def test_dpo_finds_a_child_trail_by_reference(client_for, partnership):
    response = client_for("dpo").post(reverse("oversight:index"), {"reference": partnership.council_child.reference})
    assert response.status_code == 302
    assert response.url == reverse("oversight:child_trail", args=[partnership.council_child.pk])


def test_a_rolled_back_write_leaves_no_audit_row(partnership):
    from audit.services import record

    with pytest.raises(RuntimeError), transaction.atomic():
        record(partnership.users["caseworker"], "update", obj=partnership.council_child)
        raise RuntimeError("the action failed")
    assert not AuditEvent.objects.exists()


class TestAppendOnlyInCode:
    @pytest.fixture
    def event(self, partnership):
        from audit.services import record

        return record(partnership.users["caseworker"], "read", obj=partnership.council_child)

    def test_save_of_an_existing_row_is_refused(self, event):
        event.action = "export"
        with pytest.raises(AppendOnlyError):
            event.save()

    def test_delete_is_refused(self, event):
        with pytest.raises(AppendOnlyError):
            event.delete()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.all().delete()
        with pytest.raises(AppendOnlyError):
            AuditSubject.objects.all().delete()

    def test_queryset_update_and_bulk_update_are_refused(self, event):
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.update(action="export")
        event.action = "export"
        with pytest.raises(AppendOnlyError), transaction.atomic():
            AuditEvent.objects.bulk_update([event], ["action"])
        assert AuditEvent.objects.get().action == "read"

    def test_deleting_the_child_cannot_take_audit_rows_with_it(self, event, partnership):
        Child.objects.filter(pk=partnership.council_child.pk).delete()
        assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database-level guard exists only on PostgreSQL")
class TestAppendOnlyInPostgres:
    @pytest.fixture
    def event(self, partnership):
        from audit.services import record

        return record(partnership.users["caseworker"], "read", obj=partnership.council_child)

    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE audit_auditevent SET action = 'export'",
            "DELETE FROM audit_auditevent",
            "UPDATE audit_auditsubject SET object_id = '0'",
            "DELETE FROM audit_auditsubject",
        ],
    )
    def test_database_refuses_raw_changes(self, event, sql):
        from django.db.utils import DatabaseError

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert AuditEvent.objects.get().action == "read"


def test_an_event_about_many_records_keeps_every_subject(partnership):
    """Above COPY_SUBJECTS_ABOVE subjects PostgreSQL writes them with COPY: the same rows either way."""
    from audit import services as audit
    from audit.models import AuditAction

    many = range(1, audit.COPY_SUBJECTS_ABOVE + 501)
    event = audit.record(partnership.users["manager"], AuditAction.LIST, subjects=many, subject_type="cases.child")
    rows = set(AuditSubject.objects.filter(event=event).values_list("object_type", "object_id"))
    assert rows == {("cases.child", str(pk)) for pk in many}
