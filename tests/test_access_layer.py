"""The access layer's smaller parts, each checked on its own (issue 20's mutation testing found them
untested by the policy tests): paging that never counts, the audited list, search and export helpers,
refusals by role, who acts for which agency, the emergency access cap, source notes, mentoring-only
users, and what a principal remembers."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from access import lookups, policy
from access.principal import principal
from accounts.models import AgencyKind, Role
from audit.models import AuditAction, AuditEvent, AuditSubject
from cases.models import Child, Involvement
from tests.factories import AccessGrantFactory, AgencyFactory, ChildFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def subjects_of(event) -> list[str]:
    return sorted(AuditSubject.objects.filter(event=event).values_list("object_id", flat=True))


# Paging without counting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "page"),
    [("3", 3), (2, 2), ("1", 1), ("0", 1), ("-2", 1), ("x", 1), (None, 1), ("100000", 100_000), ("100001", 1)],
)
def test_a_page_number_is_a_positive_whole_number_up_to_the_limit(asked, page):
    assert lookups.page_number(asked) == page


def test_a_page_number_limit_can_be_lowered():
    assert lookups.page_number("5", limit=5) == 5
    assert lookups.page_number("6", limit=5) == 1


def test_an_open_page_reads_one_row_more_than_it_shows(partnership):
    children = Child.objects.order_by("pk")
    everyone = list(children)
    assert len(everyone) == 5
    first = lookups.open_page(children, "1", per_page=2)
    assert list(first) == everyone[:2] and len(first) == 2 and first[1] == everyone[1]
    assert (first.number, first.per_page, first.start_index()) == (1, 2, 1)
    assert first.has_next() and not first.has_previous() and first.has_other_pages()
    assert first.next_page_number() == 2
    second = lookups.open_page(children, "2", per_page=2)
    assert list(second) == everyone[2:4] and second.has_previous() and second.has_next()
    last = lookups.open_page(children, 3, per_page=2)
    assert list(last) == everyone[4:] and last.start_index() == 5
    assert not last.has_next() and last.has_previous() and last.has_other_pages()
    assert last.previous_page_number() == 2
    past = lookups.open_page(children, 9, per_page=2)
    assert list(past) == [] and past.start_index() == 0 and past.has_previous()
    only = lookups.open_page(children, 1, per_page=5)
    assert len(only) == 5 and not only.has_other_pages()
    assert (only.counted, only.paginator, only.next_after) == (False, None, "")


def test_an_open_page_reads_exactly_one_row_more_than_it_shows(partnership):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        lookups.open_page(Child.objects.order_by("pk"), "2", per_page=2)
    assert "LIMIT 3 OFFSET 2" in queries.captured_queries[-1]["sql"]


def test_an_open_page_after_a_cursor_starts_at_the_first_row(partnership):
    children = Child.objects.order_by("pk")
    everyone = list(children)
    after = lookups.open_page(children.filter(pk__gt=everyone[1].pk), 2, per_page=2, offset=False)
    assert list(after) == everyone[2:4] and after.number == 2 and after.has_next()


def test_lists_record_the_rows_they_showed(partnership):
    user = partnership.users["caseworker"]
    visible = Child.objects.visible_to(user).order_by("pk")
    page = lookups.open_page_of(user, visible, "1", per_page=1, what="test list")
    event = AuditEvent.objects.get(action=AuditAction.LIST)
    assert subjects_of(event) == [str(page[0].pk)] and event.detail == {"view": "test list"}
    assert event.user == user
    second_page = lookups.open_page_of(user, visible, "2", per_page=1, what="test list")
    assert second_page.number == 2 and list(second_page) == [list(visible)[1]]
    counted = lookups.page_of(user, visible, "2", per_page=1, what="counted list")
    assert counted.paginator.count == 2 and counted.number == 2
    assert list(counted.object_list) == [list(visible)[1]]
    last = AuditEvent.objects.filter(action=AuditAction.LIST).latest("id")
    assert subjects_of(last) == [str(list(visible)[1].pk)] and last.detail == {"view": "counted list"}
    assert last.user == user
    lookups.shown(user, Child, [partnership.council_child.pk], what="ids")
    assert subjects_of(AuditEvent.objects.filter(action=AuditAction.LIST).latest("id")) == [
        str(partnership.council_child.pk)
    ]


def test_searches_and_exports_record_the_ids_returned(partnership):
    user = partnership.users["caseworker"]
    found = [partnership.council_child, partnership.shared_child]
    lookups.searched(user, Child, {"name": "x"}, [child.pk for child in found])  # ids
    lookups.exported(user, Child, found, what="test export")  # records
    search = AuditEvent.objects.get(action=AuditAction.SEARCH)
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    expected = sorted(str(child.pk) for child in found)
    assert subjects_of(search) == expected and subjects_of(export) == expected
    assert export.detail == {"export": "test export"} and search.detail["fields"] == ["name"]
    assert search.user == user and export.user == user
    lookups.searched(user, Child, {"name": "y"}, found)  # records
    lookups.exported(user, Child, [child.pk for child in found], what="ids")  # ids
    assert subjects_of(AuditEvent.objects.filter(action=AuditAction.SEARCH).latest("id")) == expected
    assert subjects_of(AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("id")) == expected


# Reads and refusals ---------------------------------------------------------------------------------


def test_a_page_refused_by_role_is_404_and_records_nothing(partnership):
    with pytest.raises(Http404):
        lookups.require_or_404(partnership.users["voluntary"], "police_work")
    lookups.require_or_404(partnership.users["police"], "police_work")
    assert not AuditEvent.objects.exists()


def test_a_malformed_id_is_404_with_nothing_to_record(partnership):
    with pytest.raises(Http404):
        lookups.get_or_404(partnership.users["caseworker"], Child, "12abc")
    assert not AuditEvent.objects.exists()


def test_a_read_through_a_queryset_records_the_read_and_a_miss_the_refusal(partnership):
    user = partnership.users["caseworker"]
    child = lookups.read_or_404(user, Child.objects.visible_to(user), partnership.council_child.pk, basis="test")
    assert child == partnership.council_child and getattr(child, "_access_visible_to", None) == user.pk
    read = AuditEvent.objects.get(action=AuditAction.READ)
    assert (read.object_id, read.detail, read.user, read.reason) == (str(child.pk), {"basis": "test"}, user, "")
    lookups.read_or_404(user, Child, child.pk, shown=[partnership.shared_child.pk], reason="checking")
    plain = AuditEvent.objects.filter(action=AuditAction.READ).latest("id")
    assert (plain.detail, plain.reason) == ({}, "checking")
    assert ("cases.child", str(partnership.shared_child.pk)) in set(
        AuditSubject.objects.filter(event=plain).values_list("object_type", "object_id")
    )
    with pytest.raises(Http404):
        lookups.get_or_404(user, Child, partnership.voluntary_child.pk)
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert (denied.object_type, denied.object_id) == ("cases.child", str(partnership.voluntary_child.pk))


def test_a_read_may_name_the_children_shown_and_another_record_type(partnership):
    user = partnership.users["caseworker"]
    lookups.note_read(user, partnership.family)
    plain = AuditEvent.objects.get()
    assert (plain.detail, plain.reason, plain.object_type) == ({}, "", "cases.family")
    lookups.note_read(
        user, partnership.family, shown=[partnership.council_child.pk], object_type="audit.child_trail", reason="r"
    )
    event = AuditEvent.objects.latest("id")
    assert event.detail == {}
    assert (event.object_type, event.object_id, event.reason) == (
        "audit.child_trail",
        str(partnership.family.pk),
        "r",
    )
    assert set(AuditSubject.objects.filter(event=event).values_list("object_type", "object_id")) == {
        ("cases.child", str(partnership.council_child.pk)),
        ("audit.child_trail", str(partnership.family.pk)),
    }


# Who acts for which agency ---------------------------------------------------------------------------


def test_records_are_made_for_the_users_own_recording_agency(partnership):
    caseworker = partnership.users["caseworker"]
    assert policy.acting_agency(caseworker) == partnership.agencies["council"]
    assert policy.acting_agency(caseworker, partnership.agencies["council"]) == partnership.agencies["council"]
    with pytest.raises(ValidationError) as refused:
        policy.acting_agency(caseworker, partnership.agencies["police"])
    assert refused.value.message_dict == {"source_agency": ["Choose one of your own agencies"]}
    with pytest.raises(PermissionDenied, match=r"^You are not a member of an agency that records case information\.$"):
        policy.acting_agency(partnership.users["mentor"])


def test_the_acting_agency_comes_with_the_membership(partnership, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert policy.acting_agency(partnership.users["police"]).name == "Test Police"


def test_agency_lists_by_role(partnership):
    user = UserFactory()
    MembershipFactory(user=user, agency=partnership.agencies["council"], role=Role.MANAGER)
    MembershipFactory(user=user, agency=partnership.agencies["police"], role=Role.OUTREACH_OFFICER)
    council, police = partnership.agencies["council"].pk, partnership.agencies["police"].pk
    assert policy.managed_agencies(user) == [council]
    assert policy.caseload_agencies(user) == [council]
    assert policy.agencies_where(user, policy.OUTREACH_ROLES) == sorted([council, police])
    assert policy.roles_of(user) == {Role.MANAGER, Role.OUTREACH_OFFICER}
    assert policy.managed_agencies(partnership.users["caseworker"]) == []


def test_police_work_needs_a_police_officer_of_a_police_agency(partnership):
    assert policy.is_police(partnership.users["police"])
    assert not policy.is_police(partnership.users["outreach"])  # a police agency, another role
    officer_elsewhere = UserFactory()
    MembershipFactory(user=officer_elsewhere, agency=partnership.agencies["council"], role=Role.POLICE_OFFICER)
    assert not policy.is_police(officer_elsewhere)


def test_emergency_access_lasts_at_most_a_day():
    now = timezone.now()
    assert abs(policy.break_glass_expiry(4) - (now + timedelta(hours=4))) < timedelta(seconds=5)
    assert abs(policy.break_glass_expiry(24) - (now + timedelta(hours=24))) < timedelta(seconds=5)
    assert abs(policy.break_glass_expiry(72) - (now + timedelta(hours=24))) < timedelta(seconds=5)


def test_a_source_note_is_for_the_sending_agency_and_for_police_officers_of_a_police_feed(partnership):
    council, police = partnership.agencies["council"], partnership.agencies["police"]
    users = partnership.users
    assert policy.can(users["caseworker"], "read_source_note", council)
    assert policy.can(users["dpo"], "read_source_note", council)  # a member of the sending agency
    assert not policy.can(users["voluntary"], "read_source_note", council)
    assert policy.can(users["police"], "read_source_note", police)
    assert policy.can(users["outreach"], "read_source_note", police)  # a member of the police agency
    assert not policy.can(users["caseworker"], "read_source_note", police)
    other_police = AgencyFactory(kind=AgencyKind.POLICE)
    assert policy.can(users["police"], "read_source_note", other_police)  # police officer, police feed
    assert not policy.can(users["outreach"], "read_source_note", other_police)
    assert not policy.can(users["caseworker"], "read_source_note", None)


def test_a_mentor_with_only_mentoring_grants_works_in_mentoring_only(partnership):
    mentor = UserFactory()
    MembershipFactory(user=mentor, agency=partnership.agencies["mentoring"], role=Role.MENTOR)
    AccessGrantFactory(user=mentor, child=partnership.council_child, scope="mentoring")
    assert policy.mentoring_only(mentor)
    assert policy.scoped_children(mentor, "mentoring") == {partnership.council_child.pk}
    assert policy.scoped_children(mentor, "other") == frozenset()
    assert not policy.can(mentor, "see_caseload")
    assert not Child.objects.visible_to(mentor).exists()
    # The partnership's mentor works from matches too; a general grant is more than mentoring.
    assert policy.mentoring_only(partnership.users["mentor"])
    AccessGrantFactory(user=partnership.users["mentor"], child=partnership.mentee)
    policy.forget(partnership.users["mentor"])
    assert not policy.mentoring_only(partnership.users["mentor"])
    assert policy.can(partnership.users["mentor"], "see_caseload")
    assert not policy.mentoring_only(partnership.users["caseworker"])


def test_agency_work_is_for_the_records_own_agency(partnership):
    outreach, manager = partnership.users["outreach"], partnership.users["manager"]

    class Record:
        def __init__(self, agency):
            self.agency_id = agency.pk

    police, youth_justice = partnership.agencies["police"], partnership.agencies["youth_justice"]
    assert policy.can(outreach, "record_outreach") and policy.can(outreach, "view_outreach", Record(police))
    assert not policy.can(outreach, "view_outreach", Record(youth_justice))
    assert policy.can(manager, "view_outreach", Record(youth_justice))
    assert not policy.can(partnership.users["caseworker"], "record_outreach")
    assert not policy.can(outreach, "view_outreach", object())  # a record with no agency


def test_a_panel_action_is_updated_by_its_owner_or_a_manager_of_its_agency(partnership):
    class Action:
        owner_id = partnership.users["caseworker"].pk
        owner_agency_id = partnership.agencies["youth_justice"].pk

    assert policy.can(partnership.users["caseworker"], "update_panel_action", Action())
    assert policy.can(partnership.users["manager"], "update_panel_action", Action())
    assert not policy.can(partnership.users["police"], "update_panel_action", Action())


# What a principal remembers ---------------------------------------------------------------------------


def test_a_principal_is_loaded_once_and_forgotten_on_request(partnership, django_assert_num_queries):
    user = UserFactory()
    membership = MembershipFactory(user=user, agency=partnership.agencies["council"], role=Role.CASEWORKER)
    later = MembershipFactory(user=user, agency=partnership.agencies["police"], role=Role.POLICE_OFFICER)
    with django_assert_num_queries(1):  # the audit trail's acting membership comes with it
        first = principal(user)
        assert principal(user) is first
        assert user.acting_membership == (membership.agency_id, Role.CASEWORKER)
    assert first.acting == (membership.agency_id, Role.CASEWORKER)
    assert first.memberships == {
        (Role.CASEWORKER, AgencyKind.COUNCIL, membership.agency_id),
        (Role.POLICE_OFFICER, AgencyKind.POLICE, later.agency_id),
    }
    membership.is_active = False
    membership.save()
    assert principal(user) is first  # remembered until forgotten
    policy.forget(user)
    assert user.acting_membership == (later.agency_id, Role.POLICE_OFFICER)  # worked out again
    assert principal(user).acting == (later.agency_id, Role.POLICE_OFFICER)


def test_grants_and_emergency_access_are_loaded_apart(partnership):
    from access.models import BreakGlassGrant

    user = partnership.users["police"]
    AccessGrantFactory(user=user, child=partnership.council_child)
    AccessGrantFactory(user=user, child=partnership.voluntary_child, scope="mentoring")
    AccessGrantFactory(
        user=user, child=partnership.mentee, starts_on=timezone.localdate() + timedelta(days=1)
    )  # not yet
    BreakGlassGrant.objects.create(
        user=user, child=partnership.unlinked_child, reason="r", expires_at=timezone.now() + timedelta(hours=1)
    )
    BreakGlassGrant.objects.create(
        user=user, child=partnership.mentee, reason="r", expires_at=timezone.now() - timedelta(seconds=1)
    )
    policy.forget(user)
    found = principal(user)
    assert found.granted == {partnership.council_child.pk}
    assert found.scoped == {("mentoring", partnership.voluntary_child.pk)}
    assert found.emergency == {partnership.unlinked_child.pk}
    assert policy.granted_children(user) == (found.granted, found.emergency)
    assert found.roles == {Role.POLICE_OFFICER}
    # Two children by grant and emergency access, and the one the police work with.
    assert set(Child.objects.visible_to(user)) == {
        partnership.council_child,
        partnership.unlinked_child,
        partnership.shared_child,
    }


def test_an_ended_grant_or_a_grant_ending_yesterday_gives_nothing(partnership):
    user = partnership.users["voluntary"]
    AccessGrantFactory(user=user, child=partnership.council_child, ended_at=timezone.now())
    AccessGrantFactory(
        user=user,
        child=partnership.mentee,
        starts_on=timezone.localdate() - timedelta(days=5),
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    AccessGrantFactory(user=user, child=partnership.unlinked_child, ends_on=timezone.localdate())
    policy.forget(user)
    assert principal(user).granted == {partnership.unlinked_child.pk}


def test_an_inactive_agency_gives_no_membership(partnership):
    user = partnership.users["voluntary"]
    partnership.agencies["voluntary"].is_active = False
    partnership.agencies["voluntary"].save()
    policy.forget(user)
    assert principal(user).memberships == frozenset() and principal(user).acting is None
    assert not Child.objects.visible_to(user).exists()


def test_the_visibility_blocks_need_plain_columns(partnership):
    from django.db.models import F, Value

    from access.visibility import ActiveOn

    with pytest.raises(ValueError, match=r"^ActiveOn needs plain columns$"):
        list(Involvement.objects.filter(ActiveOn(timezone.localdate(), started_on=Value(timezone.localdate()))))
    assert Involvement.objects.filter(ActiveOn(timezone.localdate(), ended_on=F("ended_on"))).exists()
    from access.visibility import NeverInvolved, VisibleVia
    from cases.visibility import CHILD

    with pytest.raises(ValueError, match=r"^VisibleVia needs a plain column$"):
        list(Child.objects.filter(VisibleVia(Value(1), CHILD, [1], [], timezone.localdate())))
    with pytest.raises(ValueError, match=r"^NeverInvolved needs a plain column$"):
        list(Child.objects.filter(NeverInvolved(Value(1), CHILD)))


# Rules about one record, with the record's own facts ------------------------------------------------


def test_a_manager_takes_on_only_a_young_person_no_agency_has_worked_with(partnership, django_assert_num_queries):
    manager, caseworker = partnership.users["manager"], partnership.users["caseworker"]
    unknown = partnership.unlinked_child
    assert set(Child.objects.cohort_visible_to(manager)) == {unknown}
    assert policy.can(manager, "take_on_child", unknown)
    assert not policy.can(manager, "take_on_child", partnership.council_child)  # the council works with them
    assert not policy.can(caseworker, "take_on_child", unknown)  # not a role that decides on them
    # Once an agency has worked with them, even if that has ended, they are nobody's to take on.
    Involvement.objects.create(
        agency=partnership.agencies["police"],
        child=unknown,
        started_on=timezone.localdate() - timedelta(days=30),
        ended_on=timezone.localdate() - timedelta(days=1),
    )
    assert not Child.objects.cohort_visible_to(manager).exists()
    assert not policy.can(manager, "take_on_child", unknown)
    # A young person read through cohort_visible_to in this request is not asked about again.
    marked = policy.mark_cohort_visible(manager, ChildFactory())
    assert (marked._access_cohort_visible_to, marked._access_visible_to) == (manager.pk, None)
    with django_assert_num_queries(1):  # only "does the manager already see them as a case?"
        assert policy.can(manager, "take_on_child", marked)


def test_a_manager_who_already_sees_a_young_person_does_not_take_them_on(partnership):
    manager = partnership.users["manager"]
    child = partnership.unlinked_child
    Involvement.objects.create(
        agency=partnership.agencies["youth_justice"], child=child, started_on=timezone.localdate()
    )
    policy.forget(manager)
    assert policy.can(manager, "view_child", child)
    assert not policy.can(manager, "take_on_child", policy.mark_cohort_visible(manager, child))


class Nomination:
    def __init__(self, child, by):
        self.child, self.nominated_by_id = child, by.pk


def test_a_nomination_is_withdrawn_by_a_tier_decider_or_by_its_maker_while_they_see_the_child(partnership):
    users = partnership.users
    shared = partnership.shared_child
    by_police = Nomination(shared, users["police"])
    assert policy.can(users["caseworker"], "withdraw_nomination", by_police)  # decides tiers, sees the child
    assert policy.can(users["police"], "withdraw_nomination", by_police)  # made it, still sees the child
    assert not policy.can(users["police"], "withdraw_nomination", Nomination(shared, users["caseworker"]))
    assert not policy.can(users["voluntary"], "withdraw_nomination", Nomination(shared, users["voluntary"]))
    Involvement.objects.filter(agency=partnership.agencies["police"], child=shared).update(
        ended_on=timezone.localdate() - timedelta(days=1)
    )
    policy.forget(users["police"])
    assert not policy.can(users["police"], "withdraw_nomination", by_police)


def test_a_mentor_logs_sessions_only_for_their_own_active_match(partnership):
    from types import SimpleNamespace

    mentor = partnership.users["mentor"]

    def match(user, ended_on=None):
        return SimpleNamespace(ended_on=ended_on, mentor=SimpleNamespace(user_id=user.pk))

    assert policy.can(mentor, "log_mentoring_session", match(mentor))
    assert not policy.can(mentor, "log_mentoring_session", match(mentor, ended_on=timezone.localdate()))
    assert not policy.can(mentor, "log_mentoring_session", match(partnership.users["coordinator"]))
    assert not policy.can(mentor, "log_mentoring_session", None)
    assert not policy.can(
        partnership.users["coordinator"], "log_mentoring_session", match(partnership.users["coordinator"])
    )


def test_a_record_read_through_the_policy_in_this_request_is_not_asked_about_again(
    partnership, django_assert_num_queries
):
    caseworker = partnership.users["caseworker"]
    child = Child.objects.get(pk=partnership.council_child.pk)
    policy.can(caseworker, "see_caseload")  # the principal, loaded once per request
    with django_assert_num_queries(1):
        assert policy.can(caseworker, "view_child", child)
    policy.mark_visible(caseworker, child)
    with django_assert_num_queries(0):
        assert policy.can(caseworker, "view_child", child)
    # Marked for another user, it is asked about: the police see the shared child, not this one.
    assert not policy.can(partnership.users["police"], "view_child", child)


def test_tiers_are_decided_by_caseworkers_and_managers_who_see_the_child(partnership):
    users = partnership.users
    assert policy.can(users["caseworker"], "decide_tier", partnership.council_child)
    assert not policy.can(users["caseworker"], "decide_tier", partnership.voluntary_child)
    assert not policy.can(users["police"], "decide_tier", partnership.shared_child)  # sees, does not decide


def test_nobody_signed_out_or_deactivated_may_do_anything(partnership):
    from django.contrib.auth.models import AnonymousUser

    caseworker = partnership.users["caseworker"]
    assert policy.can(caseworker, "add_child")
    for nobody in (None, AnonymousUser()):
        assert not policy.can(nobody, "add_child")

    class Action:  # a panel action the caseworker owns
        owner_id = caseworker.pk
        owner_agency_id = 0

    assert policy.can(caseworker, "update_panel_action", Action())
    caseworker.is_active = False
    assert not policy.can(caseworker, "add_child")
    assert not policy.can(caseworker, "see_caseload")
    assert not policy.can(caseworker, "update_panel_action", Action())


def test_a_refused_service_call_says_why(partnership):
    voluntary = partnership.users["voluntary"]
    with pytest.raises(PermissionDenied, match=r"^You cannot do this\.$"):
        policy.require(voluntary, "police_work")
    with pytest.raises(PermissionDenied, match=r"^Police only$"):
        policy.require(voluntary, "police_work", message="Police only")
    policy.require(partnership.users["police"], "police_work")


def test_a_page_refused_by_the_record_is_404(partnership):
    caseworker = partnership.users["caseworker"]
    lookups.require_or_404(caseworker, "view_child", partnership.council_child)
    with pytest.raises(Http404):
        lookups.require_or_404(caseworker, "view_child", partnership.voluntary_child)


def test_a_caseload_is_a_case_holding_role_or_a_grant(partnership):
    users = partnership.users
    assert policy.can(users["caseworker"], "see_caseload") and policy.can(users["manager"], "see_caseload")
    assert not policy.can(users["outreach"], "see_caseload") and not policy.can(users["dpo"], "see_caseload")
    AccessGrantFactory(user=users["outreach"], child=partnership.council_child)
    policy.forget(users["outreach"])
    assert policy.can(users["outreach"], "see_caseload")


def test_the_acting_membership_is_the_first_made_whatever_the_agency(partnership):
    from access.principal import NOBODY

    user = UserFactory()
    first = MembershipFactory(user=user, agency=AgencyFactory(pk=1_000_000), role=Role.VOLUNTARY_WORKER)
    MembershipFactory(user=user, agency=partnership.agencies["council"], role=Role.CASEWORKER)
    assert principal(user).acting == (first.agency_id, Role.VOLUNTARY_WORKER)
    assert principal(None) is NOBODY


def test_partnership_figures_are_for_managers_and_whoever_is_given_the_permission(partnership):
    from django.contrib.auth.models import Permission

    from access.principal import FIGURES_APP, FIGURES_CODENAME

    users = partnership.users
    assert policy.can(users["manager"], "view_partnership_figures")  # no permission needed
    assert not policy.can(users["caseworker"], "view_partnership_figures")
    users["caseworker"].user_permissions.add(
        Permission.objects.get(content_type__app_label=FIGURES_APP, codename=FIGURES_CODENAME)
    )
    policy.forget(users["caseworker"])
    assert policy.can(users["caseworker"], "view_partnership_figures")
    assert not policy.can(users["police"], "view_partnership_figures")


def test_a_read_and_a_list_name_the_children_and_adults_they_showed(partnership):
    """The audit subjects of a page that showed a family: its children as children, its adults as
    adults, beside the record read."""
    from cases.models import Adult

    caseworker, family = partnership.users["caseworker"], partnership.family
    adult = Adult.objects.create(given_name="Shown", family_name="Adult")
    child = partnership.council_child
    lookups.note_read(caseworker, family, shown=[child.pk], adults=[adult.pk])
    read = AuditEvent.objects.filter(action=AuditAction.READ).latest("id")
    assert set(read.subjects.values_list("object_type", "object_id")) == {
        ("cases.family", str(family.pk)),
        ("cases.child", str(child.pk)),
        ("cases.adult", str(adult.pk)),
    }
    lookups.shown(caseworker, Child, [child], what="family members", adults=[adult.pk])
    listed = AuditEvent.objects.filter(action=AuditAction.LIST).latest("id")
    assert set(listed.subjects.values_list("object_type", "object_id")) == {
        ("cases.child", str(child.pk)),
        ("cases.adult", str(adult.pk)),
    }
