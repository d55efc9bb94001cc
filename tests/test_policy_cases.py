"""The policy for contexts, families, chronology and referrals, persona by persona."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from access import policy
from cases.models import ChronologyEvent, Context, ContextPlan, Family, Referral
from cases.services import chronology, contexts

pytestmark = pytest.mark.django_db


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("caseworker", {"Test bus station", "Test peer group"}),
        ("voluntary", {"Test bus station"}),
        ("police", {"Test hotel"}),
        ("manager", set()),
        ("mentor", set()),
        ("dpo", set()),
        ("admin", set()),
    ],
)
def test_contexts_visible_through_agency_work_or_a_visible_child(partnership, persona, expected):
    assert names(Context.objects.visible_to(partnership.users[persona])) == expected


@pytest.mark.parametrize(("persona", "visible"), [("caseworker", True), ("voluntary", True), ("police", False)])
def test_family_visible_to_those_who_see_one_of_its_children(partnership, persona, visible):
    assert Family.objects.visible_to(partnership.users[persona]).exists() is visible


def test_chronology_entries_follow_their_subject(partnership):
    council = partnership.agencies["council"]
    for subject in ({"child": partnership.council_child}, {"context": partnership.police_location}):
        ChronologyEvent.objects.create(
            occurred_on="2025-01-01", kind="contact", summary="x", source_agency=council, **subject
        )
    caseworker_sees = ChronologyEvent.objects.visible_to(partnership.users["caseworker"])
    police_sees = ChronologyEvent.objects.visible_to(partnership.users["police"])
    assert list(caseworker_sees.values_list("child", flat=True)) == [partnership.council_child.pk]
    assert list(police_sees.values_list("context", flat=True)) == [partnership.police_location.pk]


def test_referral_visible_to_those_who_see_its_subject_and_to_its_referrer(partnership):
    assert Referral.objects.visible_to(partnership.users["voluntary"]).count() == 1  # via the hotspot
    assert not Referral.objects.visible_to(partnership.users["police"]).exists()
    partnership.referral.referred_by = partnership.users["police"]
    partnership.referral.save()
    assert Referral.objects.visible_to(partnership.users["police"]).count() == 1


def test_plans_and_assessments_follow_their_context(partnership):
    assert ContextPlan.objects.visible_to(partnership.users["voluntary"]).count() == 1
    assert not ContextPlan.objects.visible_to(partnership.users["police"]).exists()


def test_linking_a_child_to_a_context_the_user_cannot_see_is_refused(partnership):
    with pytest.raises(ValidationError) as refused:
        contexts.link_child(
            partnership.users["caseworker"], partnership.council_child, partnership.police_location, role="member"
        )
    assert refused.value.message_dict == {"context": ["Choose a context you can see"]}
    assert not partnership.police_location.links.exists()


def test_recording_on_a_child_the_user_cannot_see_is_refused(partnership):
    with pytest.raises(PermissionDenied):
        chronology.add_event(
            partnership.users["voluntary"],
            partnership.council_child,
            occurred_on=partnership.council_child.date_of_birth,
            kind="contact",
            summary="Should not be saved",
        )
    assert not ChronologyEvent.objects.exists()


def test_event_before_birth_is_refused(partnership):
    from datetime import timedelta

    child = partnership.council_child
    with pytest.raises(ValidationError) as refused:
        chronology.add_event(
            partnership.users["caseworker"],
            child,
            occurred_on=child.date_of_birth - timedelta(days=1),
            kind="contact",
            summary="Before birth",
        )
    assert list(refused.value.message_dict) == ["occurred_on"]
    assert not ChronologyEvent.objects.exists()


def test_mentor_sees_no_context_of_their_mentee_unless_linked(partnership):
    assert not policy.can(partnership.users["mentor"], "view_context", partnership.hotspot)
