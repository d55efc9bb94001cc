"""Mentoring writes: vetting steps, referrals, matching (and its refusals, each with the reason),
the access grant a match creates and ends, sessions (and bad input) and concerns."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access.models import AccessGrant
from accounts.models import Notification, Role
from audit.models import AuditEvent
from cases.models import Child, ChronologyEvent, Involvement
from interventions.models import Task
from mentoring import services
from mentoring.models import (
    Match,
    Mentor,
    MentoringReferral,
    MentoringSession,
    MentorStatus,
    MentorStep,
    ReferralStatus,
    TrainingCompletion,
    TrainingModule,
)
from tests.factories import ChildFactory, InvolvementFactory, MembershipFactory, UserFactory
from tests.mentoring_helpers import ensure_training_modules, referral, vetted_mentor

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def messages_of(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


@pytest.fixture
def coordinator(partnership):
    ensure_training_modules()
    return partnership.users["coordinator"]


@pytest.fixture
def mentor(partnership, coordinator):
    """The mentor persona's vetted, trained, active record (capacity 1)."""
    return vetted_mentor(partnership.agencies["mentoring"], partnership.users["mentor"], moved_by=coordinator)


@pytest.fixture
def waiting(partnership):
    """The council child, referred by the caseworker through the service (so the mentoring
    network starts working with them and its coordinator can see them)."""
    return services.refer(
        partnership.users["caseworker"],
        partnership.council_child,
        agency=partnership.agencies["mentoring"],
        reason="Needs someone to talk to",
        goals="Back into football",
        preferences="A male role model",
        interests="football, music",
    )


def start(coordinator, waiting, mentor, **kwargs):
    kwargs.setdefault("started_on", TODAY())
    kwargs.setdefault("suitability_notes", "Both love football")
    return services.start_match(coordinator, waiting, mentor, **kwargs)


# Vetting ------------------------------------------------------------------------------------------


class TestVetting:
    def test_an_applicant_moves_through_vetting_and_training_to_active_with_dated_steps(self, partnership, coordinator):
        day = TODAY() - timedelta(days=20)
        applicant = services.create_mentor(
            coordinator, given_name="Amir", family_name="Khan", capacity=2, applied_on=day - timedelta(days=5)
        )
        services.move_mentor(coordinator, applicant, status="vetting", moved_on=day)
        with pytest.raises(ValidationError) as refused:
            services.move_mentor(coordinator, applicant, status="in_training", moved_on=day)
        assert "Vetting is not complete" in messages_of(refused.value)
        assert "enhanced DBS check" in messages_of(refused.value)
        services.record_dbs_check(
            coordinator,
            applicant,
            checked_on=day,
            certificate_number="0012 3456 7890",
            outcome="clear",
            barred_list_checked=True,
        )
        for name in ("A Referee", "B Referee"):
            services.add_reference(
                coordinator, applicant, referee_name=name, relationship="Employer", received_on=day, satisfactory=True
            )
        services.record_interview(coordinator, applicant, interviewed_on=day, notes="Warm, clear boundaries")
        services.move_mentor(coordinator, applicant, status="in_training", moved_on=day)
        with pytest.raises(ValidationError) as refused:
            services.move_mentor(coordinator, applicant, status="active", moved_on=TODAY())
        assert "Training is not complete" in messages_of(refused.value)
        for module in TrainingModule.objects.filter(required=True):
            services.complete_training(coordinator, applicant, module=module, completed_on=TODAY())
        with pytest.raises(ValidationError, match="Link their mentor sign-in"):
            services.move_mentor(coordinator, applicant, status="active", moved_on=TODAY())
        login = UserFactory(username="amir")
        MembershipFactory(user=login, agency=partnership.agencies["mentoring"], role=Role.MENTOR)
        services.link_sign_in(coordinator, applicant, login)
        services.move_mentor(coordinator, applicant, status="active", moved_on=TODAY())

        applicant.refresh_from_db()
        assert applicant.status == MentorStatus.ACTIVE
        assert applicant.dbs_certificate_number == "001234567890"
        steps = list(MentorStep.objects.filter(mentor=applicant).values_list("status", "moved_on", "moved_by"))
        assert steps == [
            ("applicant", day - timedelta(days=5), coordinator.pk),
            ("vetting", day, coordinator.pk),
            ("in_training", day, coordinator.pk),
            ("active", TODAY(), coordinator.pk),
        ]

    @pytest.mark.parametrize("number", ["12345678901", "1234567890123", "00123456789X", ""])
    def test_a_dbs_certificate_number_in_the_wrong_format_is_refused_and_nothing_saved(
        self, partnership, coordinator, number
    ):
        applicant = services.create_mentor(coordinator, given_name="Amir", family_name="Khan")
        with pytest.raises(ValidationError) as refused:
            services.record_dbs_check(
                coordinator,
                applicant,
                checked_on=TODAY(),
                certificate_number=number,
                outcome="clear",
                barred_list_checked=True,
            )
        assert refused.value.message_dict["certificate_number"] == [
            "Enter a DBS certificate number of 12 digits, like 001234567890"
        ]
        applicant.refresh_from_db()
        assert applicant.dbs_checked_on is None and applicant.dbs_certificate_number == ""

    def test_a_check_without_the_barred_list_is_refused(self, partnership, coordinator):
        applicant = services.create_mentor(coordinator, given_name="Amir", family_name="Khan")
        with pytest.raises(ValidationError, match="barred list"):
            services.record_dbs_check(
                coordinator,
                applicant,
                checked_on=TODAY(),
                certificate_number="001234567890",
                outcome="clear",
                barred_list_checked=False,
            )

    def test_a_step_cannot_skip_the_pipeline_or_go_back_in_time(self, partnership, coordinator):
        applicant = services.create_mentor(coordinator, given_name="Amir", family_name="Khan")
        with pytest.raises(ValidationError, match="cannot move to active"):
            services.move_mentor(coordinator, applicant, status="active", moved_on=TODAY())
        with pytest.raises(ValidationError, match="on or after the last step"):
            services.move_mentor(coordinator, applicant, status="vetting", moved_on=TODAY() - timedelta(days=1))

    def test_only_a_coordinator_runs_vetting(self, partnership):
        with pytest.raises(PermissionDenied):
            services.create_mentor(partnership.users["caseworker"], given_name="A", family_name="B")

    def test_the_dbs_renewal_period_is_a_setting(self, partnership, coordinator, settings):
        mentor = vetted_mentor(
            partnership.agencies["mentoring"], moved_by=coordinator, dbs_checked_on=TODAY() - timedelta(days=800)
        )
        assert not mentor.dbs_expired()
        settings.MENTORING_DBS_RENEWAL_YEARS = 2
        assert mentor.dbs_expired()


# Referrals ----------------------------------------------------------------------------------------


class TestReferral:
    def test_a_caseworker_refers_a_child_they_can_see_and_the_coordinator_then_sees_them(
        self, partnership, coordinator, waiting
    ):
        assert waiting.status == ReferralStatus.WAITING
        assert (
            Involvement.objects.active()
            .filter(child=partnership.council_child, agency=partnership.agencies["mentoring"])
            .exists()
        )
        assert Child.objects.visible_to(coordinator).filter(pk=partnership.council_child.pk).exists()
        assert MentoringReferral.objects.visible_to(partnership.users["caseworker"]).get() == waiting
        assert not MentoringReferral.objects.visible_to(partnership.users["police"]).exists()
        assert not MentoringReferral.objects.visible_to(partnership.users["mentor"]).exists()

    def test_a_child_the_worker_cannot_see_cannot_be_referred(self, partnership):
        with pytest.raises(PermissionDenied):
            services.refer(
                partnership.users["caseworker"],
                partnership.voluntary_child,
                agency=partnership.agencies["mentoring"],
                reason="x",
                goals="y",
            )
        assert not MentoringReferral.objects.exists()

    def test_a_second_open_referral_to_the_same_network_is_refused(self, partnership, waiting):
        with pytest.raises(ValidationError, match="already referred"):
            services.refer(
                partnership.users["caseworker"],
                partnership.council_child,
                agency=partnership.agencies["mentoring"],
                reason="x",
                goals="y",
            )

    def test_a_young_person_in_preparation_cannot_be_matched_until_back_on_the_waiting_list(
        self, partnership, coordinator, waiting, mentor
    ):
        services.set_preparation(coordinator, waiting, preparing=True)
        with pytest.raises(ValidationError, match="in preparation"):
            start(coordinator, waiting, mentor)
        services.set_preparation(coordinator, waiting, preparing=False)
        waiting.refresh_from_db()
        assert (waiting.preparation_started_on, waiting.preparation_ended_on) == (TODAY(), TODAY())
        assert start(coordinator, waiting, mentor).pk


# Matching -----------------------------------------------------------------------------------------


class TestMatching:
    def test_starting_a_match_grants_the_mentor_that_one_young_person_and_ending_it_ends_the_grant(
        self, partnership, coordinator, waiting, mentor
    ):
        mentor_user, child = partnership.users["mentor"], partnership.council_child
        assert not Child.objects.visible_to(mentor_user).filter(pk=child.pk).exists()
        match = start(coordinator, waiting, mentor)
        grant = AccessGrant.objects.active().get(user=mentor_user, child=child)
        assert match.access_grant == grant and grant.granted_by == coordinator
        assert grant.scope == "mentoring"
        fresh = type(mentor_user).objects.get(pk=mentor_user.pk)
        assert Match.objects.visible_to(fresh).filter(pk=match.pk).exists()
        # The match's grant works in mentoring only: the child's case record stays hidden.
        assert not Child.objects.visible_to(fresh).filter(pk=child.pk).exists()
        assert Notification.objects.filter(user=partnership.users["caseworker"], message__contains="matched").exists()

        services.end_match(coordinator, match, ended_on=TODAY(), reason="goals_met")
        grant.refresh_from_db()
        assert grant.ended_at is not None and grant.ended_by == coordinator
        fresh = type(mentor_user).objects.get(pk=mentor_user.pk)
        assert not Child.objects.visible_to(fresh).filter(pk=child.pk).exists()
        assert not Match.objects.visible_to(fresh).exists()
        waiting.refresh_from_db()
        assert waiting.status == ReferralStatus.CLOSED
        assert Notification.objects.filter(user=partnership.users["caseworker"], message__contains="ended").exists()

    def _refused(self, coordinator, waiting, mentor, expected):
        with pytest.raises(ValidationError) as refused:
            start(coordinator, waiting, mentor)
        assert expected in messages_of(refused.value)
        assert not Match.objects.filter(child=waiting.child).exists()
        assert not AccessGrant.objects.filter(child=waiting.child).exists()

    def test_vetting_incomplete_is_refused_with_the_reason(self, partnership, coordinator, waiting, mentor):
        mentor.references.all().delete()
        self._refused(
            coordinator, waiting, mentor, "Vetting is not complete: they still need 2 satisfactory references"
        )

    def test_training_incomplete_is_refused_with_the_reason(self, partnership, coordinator, waiting, mentor):
        TrainingCompletion.objects.filter(mentor=mentor, module__name__startswith="Safeguarding").delete()
        self._refused(coordinator, waiting, mentor, "Training is not complete: they still need Safeguarding")

    def test_an_expired_dbs_check_is_refused_with_the_reason(self, partnership, coordinator, waiting, mentor):
        Mentor.objects.filter(pk=mentor.pk).update(dbs_checked_on=TODAY() - timedelta(days=3 * 365 + 1))
        mentor.refresh_from_db()
        self._refused(coordinator, waiting, mentor, "Their DBS check expired on")

    def test_a_mentor_at_capacity_is_refused_with_the_reason(self, partnership, coordinator, waiting, mentor):
        other = ChildFactory()
        InvolvementFactory(agency=partnership.agencies["mentoring"], child=other)
        Match.objects.create(
            referral=referral(partnership, other, status="matched"),
            mentor=mentor,
            child=other,
            started_on=TODAY(),
            suitability_notes="x",
            proposed_by=coordinator,
        )
        self._refused(coordinator, waiting, mentor, "At capacity: already mentoring 1 of 1")

    def test_a_second_active_match_for_the_same_pair_is_refused(self, partnership, coordinator, waiting, mentor):
        Mentor.objects.filter(pk=mentor.pk).update(capacity=3)
        mentor.refresh_from_db()
        start(coordinator, waiting, mentor)
        again = referral(partnership, partnership.council_child)
        with pytest.raises(ValidationError, match="already matched with this young person"):
            start(coordinator, again, mentor)
        assert Match.objects.count() == 1

    def test_a_young_person_the_coordinator_may_not_see_is_refused(self, partnership, coordinator, mentor):
        hidden = referral(partnership, partnership.unlinked_child)
        with pytest.raises(ValidationError) as refused:
            start(coordinator, hidden, mentor)
        assert "cannot see this young person" in messages_of(refused.value)
        assert not Match.objects.exists() and not AccessGrant.objects.filter(child=partnership.unlinked_child).exists()

    def test_ranking_lists_eligible_mentors_first_with_their_reasons(self, partnership, coordinator, waiting, mentor):
        Mentor.objects.filter(pk=mentor.pk).update(interests="Football, cooking", area="Riverton Central")
        waiting.area = "Riverton Central"  # where the young person could meet a mentor
        unvetted = vetted_mentor(partnership.agencies["mentoring"], moved_by=coordinator, given_name="Zed")
        unvetted.references.all().delete()
        candidates = services.rank_mentors(waiting)
        assert [c.mentor.pk for c in candidates] == [mentor.pk, unvetted.pk]
        first, second = candidates
        assert first.eligible and "Shares interests: football" in first.reasons
        assert "Lives or works in Riverton Central" in first.reasons
        assert not second.eligible and second.refusals[0].startswith("Vetting is not complete")

    def test_the_match_cannot_start_before_the_referral_or_in_the_future(
        self, partnership, coordinator, waiting, mentor
    ):
        with pytest.raises(ValidationError, match="before the young person was referred"):
            start(coordinator, waiting, mentor, started_on=TODAY() - timedelta(days=1))
        with pytest.raises(ValidationError, match="today or in the past"):
            start(coordinator, waiting, mentor, started_on=TODAY() + timedelta(days=1))


# Sessions and concerns ----------------------------------------------------------------------------


@pytest.fixture
def match(partnership, coordinator, waiting, mentor):
    MentoringReferral.objects.filter(pk=waiting.pk).update(referred_on=TODAY() - timedelta(days=30))
    waiting.refresh_from_db()
    return start(coordinator, waiting, mentor, started_on=TODAY() - timedelta(days=10))


def log(user, match, **kwargs):
    values = {
        "held_on": TODAY(),
        "duration_minutes": 60,
        "activity": "Football",
        "place_type": "sports",
        "attended": True,
        "mood": 4,
    }
    return services.log_session(user, match, **{**values, **kwargs})


class TestSessions:
    def test_the_mentor_logs_a_session(self, partnership, match):
        session = log(partnership.users["mentor"], match, note="Good chat")
        assert MentoringSession.objects.visible_to(partnership.users["mentor"]).get() == session
        assert AuditEvent.objects.filter(object_type="mentoring.mentoringsession", object_id=str(session.pk)).exists()

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"held_on": TODAY() + timedelta(days=1)}, "held_on", "must be today or in the past"),
            ({"held_on": TODAY() - timedelta(days=11)}, "held_on", "on or after the match started"),
            ({"duration_minutes": 0}, "duration_minutes", "at least 1 minute"),
            ({"duration_minutes": 721}, "duration_minutes", "at most 12 hours"),
            ({"attended": None}, "attended", "whether the young person came"),
        ],
    )
    def test_bad_sessions_are_refused_and_nothing_saved(self, partnership, match, change, field, message):
        with pytest.raises(ValidationError) as refused:
            log(partnership.users["mentor"], match, **change)
        assert message in " ".join(refused.value.message_dict[field])
        assert not MentoringSession.objects.exists()

    def test_twelve_hours_exactly_is_allowed(self, partnership, match):
        assert log(partnership.users["mentor"], match, duration_minutes=720).pk

    def test_only_the_matched_mentor_logs_sessions(self, partnership, match):
        for persona in ("coordinator", "caseworker"):
            with pytest.raises(PermissionDenied):
                log(partnership.users[persona], match)
        services.end_match(partnership.users["coordinator"], match, ended_on=TODAY(), reason="moved_away")
        match.refresh_from_db()
        with pytest.raises(PermissionDenied):
            log(partnership.users["mentor"], match)


class TestConcerns:
    def test_a_concern_reaches_the_lead_professional_and_the_chronology(self, partnership, match):
        child = partnership.council_child
        lead = partnership.users["caseworker"]
        Child.objects.filter(pk=child.pk).update(lead_professional=lead)
        match.child.refresh_from_db()
        concern = services.raise_concern(
            partnership.users["mentor"], match, what_happened="He said older boys made him carry a bag"
        )
        task = Task.objects.get(pk=concern.task_id)
        assert task.assignee == lead and task.child == child and task.status == "open"
        assert Task.objects.visible_to(lead).filter(pk=task.pk).exists()
        assert Notification.objects.filter(user=lead, message__contains=child.reference).exists()
        assert Notification.objects.filter(user=partnership.users["coordinator"], message__contains="concern").exists()
        event = ChronologyEvent.objects.get(pk=concern.event_id)
        assert event.detail == "He said older boys made him carry a bag"
        assert event.source_agency == partnership.agencies["mentoring"]
        # The agencies working with the child see it; one that does not, does not.
        assert ChronologyEvent.objects.visible_to(lead).filter(pk=event.pk).exists()
        assert not ChronologyEvent.objects.visible_to(partnership.users["voluntary"]).filter(pk=event.pk).exists()

    def test_an_empty_concern_is_refused(self, partnership, match):
        with pytest.raises(ValidationError, match="what you saw or heard"):
            services.raise_concern(partnership.users["mentor"], match, what_happened="  ")
        assert not ChronologyEvent.objects.filter(child=partnership.council_child).exists()
        assert not Task.objects.exists()


class TestRenewal:
    def test_the_coordinator_renews_the_mentors_access_for_another_year(self, partnership, match):
        coordinator = partnership.users["coordinator"]
        old = match.access_grant
        AccessGrant.objects.filter(pk=old.pk).update(ends_on=TODAY() + timedelta(days=20))
        from mentoring import queries

        assert list(queries.access_ending(coordinator)) == [match]
        renewed = services.renew_match_access(coordinator, match)
        old.refresh_from_db()
        assert old.ended_at is not None
        assert renewed.access_grant.ends_on == TODAY() + timedelta(days=365)
        assert renewed.access_grant.scope == "mentoring" and renewed.access_grant.is_active
        assert not queries.access_ending(coordinator).exists()

    def test_an_ended_match_is_not_renewed(self, partnership, match):
        coordinator = partnership.users["coordinator"]
        services.end_match(coordinator, match, ended_on=TODAY(), reason="goals_met")
        match.refresh_from_db()
        with pytest.raises(ValidationError, match="has ended"):
            services.renew_match_access(coordinator, match)
        assert not AccessGrant.objects.active().filter(user=partnership.users["mentor"], child=match.child).exists()


@pytest.mark.parametrize(
    ("preferences", "preferred", "expected"),
    [
        ("A male role model", "", ("male", "a male role model")),
        ("a woman to talk to", "", ("female", "a woman to talk to")),
        ("Someone into football", "", ("", "")),
        ("A male role model", "Female", ("female", "female")),
    ],
)
def test_the_gender_preference_comes_from_the_field_or_the_young_persons_words(preferences, preferred, expected):
    from mentoring.models import MentoringReferral

    assert services.preferred_gender(MentoringReferral(preferences=preferences, preferred_gender=preferred)) == expected


def test_a_male_role_model_ranks_a_male_mentor_first_and_says_so(partnership, coordinator, waiting, mentor):
    Mentor.objects.filter(pk=mentor.pk).update(gender="Female")
    male = vetted_mentor(partnership.agencies["mentoring"], moved_by=coordinator, gender="Male")
    male.user = UserFactory(username="malementor")
    male.save()
    first = services.rank_mentors(waiting)[0]
    assert first.mentor == male
    assert "Matches the young person's preference: a male role model" in first.reasons
