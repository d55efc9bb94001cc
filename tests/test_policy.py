"""The access policy, persona by persona: who sees which child, and on what ground."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access import policy
from access import services as access_services
from access.models import BreakGlassGrant
from cases import services
from cases.models import Child
from tests.factories import AccessGrantFactory, InvolvementFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def visible_names(user, partnership) -> set[str]:
    labels = {
        partnership.council_child.pk: "council_child",
        partnership.shared_child.pk: "shared_child",
        partnership.voluntary_child.pk: "voluntary_child",
        partnership.mentee.pk: "mentee",
        partnership.unlinked_child.pk: "unlinked_child",
    }
    return {labels[pk] for pk in Child.objects.visible_to(user).values_list("pk", flat=True)}


EXPECTED_VISIBLE = {
    "caseworker": {"council_child", "shared_child"},
    "police": {"shared_child"},
    "voluntary": {"voluntary_child"},
    "mentor": set(),  # a mentoring match shows the mentee in mentoring only
    "coordinator": {"mentee"},
    "outreach": set(),
    "manager": set(),
    "dpo": set(),
    "admin": set(),
}


@pytest.mark.parametrize("persona", EXPECTED_VISIBLE)
def test_each_persona_sees_only_children_their_agency_works_with(partnership, persona):
    assert visible_names(partnership.users[persona], partnership) == EXPECTED_VISIBLE[persona]


def test_anonymous_sees_nothing(partnership):
    from django.contrib.auth.models import AnonymousUser

    assert not Child.objects.visible_to(AnonymousUser()).exists()


def test_deactivated_user_sees_nothing(partnership):
    user = partnership.users["caseworker"]
    user.is_active = False
    user.save()
    assert not Child.objects.visible_to(user).exists()


def test_ended_involvement_no_longer_gives_access(partnership):
    involvement = partnership.council_child.involvements.get()
    involvement.ended_on = timezone.localdate() - timedelta(days=1)
    involvement.save()
    assert "council_child" not in visible_names(partnership.users["caseworker"], partnership)


def test_future_involvement_does_not_give_access_yet(partnership):
    child = InvolvementFactory(
        agency=partnership.agencies["voluntary"], started_on=timezone.localdate() + timedelta(days=3)
    ).child
    assert not Child.objects.visible_to(partnership.users["voluntary"]).filter(pk=child.pk).exists()


def test_inactive_membership_gives_no_access(partnership):
    partnership.users["caseworker"].memberships.update(is_active=False)
    assert visible_names(partnership.users["caseworker"], partnership) == set()


def test_dpo_membership_at_involved_agency_gives_no_case_content(partnership):
    # The DPO belongs to the council, which works with council_child, yet sees nothing.
    assert policy.can(partnership.users["dpo"], "view_child", partnership.council_child) is False


def test_second_membership_adds_that_agencys_children(partnership):
    MembershipFactory(
        user=partnership.users["police"], agency=partnership.agencies["voluntary"], role="voluntary_worker"
    )
    assert visible_names(partnership.users["police"], partnership) == {"shared_child", "voluntary_child"}


def test_object_grant_lets_a_named_person_see_one_child(partnership):
    AccessGrantFactory(user=partnership.users["outreach"], child=partnership.unlinked_child)
    assert visible_names(partnership.users["outreach"], partnership) == {"unlinked_child"}


def test_break_glass_gives_time_limited_access_and_needs_exact_identifiers(partnership):
    police = partnership.users["police"]
    child = partnership.unlinked_child
    assert (
        services.break_glass(
            police,
            reference=child.reference,
            date_of_birth=child.date_of_birth.replace(year=2000),
            reason="Found alone at the bus station at 2am",
            hours=1,
        )
        is None
    )
    assert "unlinked_child" not in visible_names(police, partnership)

    grant = services.break_glass(
        police,
        reference=child.reference,
        date_of_birth=child.date_of_birth,
        reason="Found alone at the bus station at 2am",
        hours=1,
    )
    assert "unlinked_child" in visible_names(police, partnership)

    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    policy.forget(police)  # what the policy remembers lasts one request; the next one loads the user afresh
    assert "unlinked_child" not in visible_names(police, partnership)


def test_break_glass_is_capped_at_a_day(partnership):
    child = partnership.unlinked_child
    grant = services.break_glass(
        partnership.users["caseworker"],
        reference=child.reference,
        date_of_birth=child.date_of_birth,
        reason="Missing overnight, police asking for details",
        hours=240,
    )
    assert grant.expires_at <= timezone.now() + timedelta(hours=24)


@pytest.mark.parametrize("persona", ["mentor", "voluntary", "outreach", "dpo", "admin"])
def test_roles_without_emergency_access_cannot_break_glass(partnership, persona):
    from django.core.exceptions import PermissionDenied

    child = partnership.unlinked_child
    with pytest.raises(PermissionDenied):
        services.break_glass(
            partnership.users[persona],
            reference=child.reference,
            date_of_birth=child.date_of_birth,
            reason="I would like to look at this record please",
            hours=1,
        )
    assert not BreakGlassGrant.objects.exists()


def test_revoked_break_glass_ends_access(partnership):
    child = partnership.unlinked_child
    grant = services.break_glass(
        partnership.users["caseworker"],
        reference=child.reference,
        date_of_birth=child.date_of_birth,
        reason="Disclosure at school, lead unavailable",
        hours=4,
    )
    access_services.review_emergency_access(partnership.users["dpo"], grant, note="Not justified", revoke=True)
    policy.forget(partnership.users["caseworker"])  # the caseworker's next request
    assert "unlinked_child" not in visible_names(partnership.users["caseworker"], partnership)


def test_a_mentoring_match_is_no_case_access(partnership):
    mentor = partnership.users["mentor"]
    assert policy.mentoring_only(mentor)
    assert not policy.can(mentor, "view_child", partnership.mentee)


def test_mentor_can_see_but_not_change_their_mentee(partnership, mentor_general_grant):
    mentor = partnership.users["mentor"]
    assert not policy.mentoring_only(mentor)
    assert policy.can(mentor, "view_child", partnership.mentee)
    assert not policy.can(mentor, "change_child", partnership.mentee)


def test_a_role_held_in_one_membership_never_acts_on_what_another_lets_the_user_see(partnership):
    """The voluntary worker who also coordinates the mentoring network sees the mentee through the
    network's work. Their voluntary-sector role records facts about the children the voluntary
    agency works with, not about the mentee."""
    from access import policy

    p = partnership
    both = p.users["voluntary_coordinator"]
    assert policy.can(both, "view_child", p.mentee)
    for action in ("change_child", "nominate"):
        assert not policy.can(both, action, p.mentee), action
    assert policy.can(both, "change_child", p.voluntary_child)


def test_a_named_grant_lets_its_holder_see_a_young_person_not_record_about_them(partnership):
    """A caseworker granted one young person outside their agency's work (as a mentor would be) sees
    them and records nothing about them: a grant is for seeing."""
    from access import policy
    from tests.factories import AccessGrantFactory

    p = partnership
    caseworker = p.users["caseworker"]
    AccessGrantFactory(user=caseworker, child=p.voluntary_child)
    assert policy.can(caseworker, "view_child", p.voluntary_child)
    for action in ("change_child", "nominate", "decide_tier"):
        assert not policy.can(caseworker, action, p.voluntary_child), action
    assert policy.can(caseworker, "change_child", p.council_child)
