"""The audit service's parts on their own (issue 20's mutation testing): what one event records, the
search digest, before-and-after snapshots, and the audited create and versioned update every app's
services use."""

import hashlib
import hmac
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit import context
from audit import services as audit
from audit.models import AuditAction, AuditEvent, AuditSubject
from cases.models import Child, Family
from safeguarding.services import StaleVersion

pytestmark = pytest.mark.django_db


def subject_pairs(event) -> set[tuple[str, str]]:
    return set(AuditSubject.objects.filter(event=event).values_list("object_type", "object_id"))


def test_an_event_records_who_acts_for_which_agency_and_what(partnership):
    caseworker = partnership.users["caseworker"]
    child = partnership.council_child
    event = audit.record(
        caseworker, AuditAction.READ, obj=child, subjects=[7, 8], subject_type="cases.family", reason="why"
    )
    event.refresh_from_db()
    assert (event.user, event.username, event.agency_id, event.role) == (
        caseworker,
        "caseworker",
        partnership.agencies["council"].pk,
        "caseworker",
    )
    assert (event.object_type, event.object_id, event.reason, event.detail) == ("cases.child", str(child.pk), "why", {})
    assert (event.request_id, event.ip_address, event.path) == ("", None, "")
    assert subject_pairs(event) == {("cases.family", "7"), ("cases.family", "8"), ("cases.child", str(child.pk))}


def test_an_event_by_nobody_signed_in_keeps_the_name_given(partnership):
    event = audit.record(AnonymousUser(), AuditAction.LOGIN_FAILED, username="x" * 200)
    assert (event.user, event.username, event.agency_id, event.role) == (None, "x" * 150, None, "")
    assert (event.object_type, event.object_id, event.reason) == ("", "", "")
    assert audit.record(None, AuditAction.LOGIN_FAILED, username="someone").username == "someone"
    assert audit.record(None, AuditAction.LOGIN_FAILED).username == ""
    named = audit.record(partnership.users["police"], AuditAction.READ, username="ignored")
    assert named.username == "police"
    assert not AuditSubject.objects.exists()  # no record, no subjects


def test_an_event_names_a_record_by_type_and_id_and_an_empty_id_as_empty(partnership):
    event = audit.record(partnership.users["dpo"], AuditAction.DENIED, object_type="cases.child", object_id=0)
    assert (event.object_id, subject_pairs(event)) == ("0", {("cases.child", "0")})
    empty = audit.record(partnership.users["dpo"], AuditAction.DENIED, object_type="cases.child", object_id=None)
    assert (empty.object_id, subject_pairs(empty)) == ("", set())


def test_an_event_in_a_request_records_the_request(partnership):
    token = context.current.set(context.RequestContext(request_id="req-1", ip_address="10.0.0.9", path="/x/"))
    try:
        event = audit.record(partnership.users["caseworker"], AuditAction.READ)
    finally:
        context.current.reset(token)
    assert (event.request_id, event.ip_address, event.path) == ("req-1", "10.0.0.9", "/x/")


def test_list_export_search_and_refusal_events(partnership):
    user = partnership.users["caseworker"]
    listed = audit.record_list(user, Child, [1, 2], what="caseload")
    assert (listed.action, listed.detail, subject_pairs(listed)) == (
        AuditAction.LIST,
        {"view": "caseload"},
        {("cases.child", "1"), ("cases.child", "2")},
    )
    exported = audit.record_export(user, Family, [3], what="families")
    assert (exported.action, exported.detail, subject_pairs(exported)) == (
        AuditAction.EXPORT,
        {"export": "families"},
        {("cases.family", "3")},
    )
    searched = audit.record_search(user, Child, {"name": "Ann", "date_of_birth": None, "identifier": ""}, [4])
    assert searched.action == AuditAction.SEARCH and subject_pairs(searched) == {("cases.child", "4")}
    assert searched.detail == {"fields": ["name"], "digest": audit.search_digest({"name": "Ann"})}
    assert {listed.user, exported.user, searched.user} == {user}
    denied = audit.record_denied(user, Child, 5)
    assert (denied.action, denied.object_type, denied.object_id) == (AuditAction.DENIED, "cases.child", "5")
    read = audit.record_read(user, partnership.council_child, basis="grant", reason="r")
    assert (read.action, read.detail, read.reason) == (AuditAction.READ, {"basis": "grant"}, "r")
    assert (read.user, read.object_type, read.object_id) == (user, "cases.child", str(partnership.council_child.pk))
    plain = audit.record_read(user, partnership.council_child)
    assert (plain.detail, plain.reason) == ({}, "")


def test_the_search_digest_is_keyed_and_ignores_case_spaces_and_order(settings):
    digest = audit.search_digest({"name": " Ann Smith ", "identifier": "K1"})
    assert digest == audit.search_digest({"identifier": "k1", "name": "ann smith"})
    assert len(digest) == 64 and "ann" not in digest
    assert digest != audit.search_digest({"name": "Ann Smyth", "identifier": "K1"})
    assert digest != audit.search_digest({"name": "K1", "identifier": "Ann Smith"})
    # A DPO told the terms recomputes it: the fields in name order, trimmed and casefolded, keyed with
    # the service's secret.
    expected = hmac.new(settings.SECRET_KEY.encode(), b"identifier=k1|name=ann smith", hashlib.sha256).hexdigest()
    assert digest == expected
    settings.SECRET_KEY = "another-key-" + "y" * 40
    assert digest != audit.search_digest({"name": "Ann Smith", "identifier": "K1"})


def test_snapshots_are_plain_values_and_never_a_password(partnership):
    user = partnership.users["caseworker"]
    values = audit.snapshot(user)
    assert "password" not in values and values["username"] == "caseworker"
    child = partnership.council_child
    assert audit.snapshot(child)["date_of_birth"] == child.date_of_birth.isoformat()
    assert audit._plain(datetime(2026, 1, 2, 3, 4)) == "2026-01-02T03:04:00"
    assert audit._plain(date(2026, 1, 2)) == "2026-01-02"
    assert audit._plain(Decimal("1.50")) == "1.50"
    assert audit._plain(child) == child.pk
    assert audit._plain(3) == 3


def test_a_write_event_says_what_changed(partnership):
    user = partnership.users["caseworker"]
    child = partnership.council_child
    event = audit.record_write(user, AuditAction.UPDATE, child, before={"a": 1, "b": 2}, after={"a": 1, "b": 3, "c": 4})
    assert event.detail == {"before": {"a": 1, "b": 2}, "after": {"a": 1, "b": 3, "c": 4}, "changed": ["b", "c"]}
    created = audit.record_write(user, AuditAction.CREATE, child, before=None, after={"a": 1}, reason="new")
    assert created.detail == {"before": None, "after": {"a": 1}, "changed": []} and created.reason == "new"
    assert event.reason == "" and event.user == user
    deleted = audit.record_write(user, AuditAction.DELETE, child, before={"a": 1}, after=None)
    assert deleted.detail == {"before": {"a": 1}, "after": None, "changed": []}


def test_an_audited_create_validates_saves_and_records(partnership):
    user = partnership.users["caseworker"]
    family = audit.create_audited(user, Family, reference="FA-T0100", name="Audited family")
    event = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert (event.object_type, event.object_id) == ("cases.family", str(family.pk))
    assert event.detail["after"]["name"] == "Audited family" and event.detail["before"] is None
    assert event.user == user
    with pytest.raises(ValidationError):
        audit.create_audited(user, Family, reference="FA-T0101", name="")
    assert Family.objects.filter(reference="FA-T0101").count() == 0


def test_a_versioned_update_changes_only_the_allowed_fields_once(partnership):
    user = partnership.users["caseworker"]
    family = partnership.family
    version = family.version
    updated = audit.update_versioned(
        user,
        family,
        {"name": "Renamed", "postcode": "ZZ9 9ZZ"},
        expected_version=version,
        fields=["name"],
    )
    family.refresh_from_db()
    assert (family.name, family.postcode, family.version, updated.version) == (
        "Renamed",
        "RV1 1AA",
        version + 1,
        version + 1,
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE)
    assert event.detail["changed"] == ["name", "updated_at", "version"] and event.user == user
    with pytest.raises(StaleVersion) as stale:
        audit.update_versioned(user, family, {"name": "Again"}, expected_version=version, fields=["name"])
    assert stale.value.current.version == version + 1
    audit.update_versioned(user, family, {"name": "Anyway"}, expected_version=None, fields=["name"])
    family.refresh_from_db()
    assert (family.name, family.version) == ("Anyway", version + 2)
    with pytest.raises(ValidationError):
        audit.update_versioned(user, family, {"name": ""}, expected_version=None, fields=["name"])
    family.refresh_from_db()
    assert family.name == "Anyway"


def test_when_an_event_is_recorded(partnership):
    before = timezone.now()
    event = audit.record(partnership.users["caseworker"], AuditAction.READ)
    assert before - timedelta(seconds=1) <= event.at <= timezone.now()
