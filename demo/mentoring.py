"""Demo community mentoring network (synthetic: Faker en_GB, fixed seed). Its live report for
the demo period (the last 365 days, the report's default) gives the source document's figures:
7 active mentors, 3 in training, 16 young people matched and 8 in preparation. Those figures
come from the records below, counted by mentoring.queries.report, never written down.

The mentor persona is one of the seven; every match carries its own mentoring-only grant, so the
persona sees their young people in mentoring and no case record."""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from faker import Faker

from access.models import AccessGrant
from accounts.models import Agency, Membership, Role, User
from cases.models import Child, Involvement
from demo import accounts as accounts_demo
from mentoring.models import (
    GRANT_SCOPE,
    DbsOutcome,
    EndReason,
    Match,
    Mentor,
    MentoringReferral,
    MentoringSession,
    MentorReference,
    MentorStatus,
    MentorStep,
    PlaceType,
    ReferralStatus,
    SupervisionNote,
    TrainingCompletion,
    TrainingModule,
    UpdateServiceStatus,
)

# Capacities of the seven active mentors: sixteen young people between them.
ACTIVE_CAPACITIES = (3, 3, 2, 2, 2, 2, 2)
IN_TRAINING = 3
OTHER_STATUSES = (MentorStatus.APPLICANT, MentorStatus.APPLICANT, MentorStatus.VETTING, MentorStatus.PAUSED)
ENDED_MATCHES = 3
IN_PREPARATION = 8
WAITING = 4
AREAS = ("Riverton Central", "Riverton North", "Riverton East", "Harbourside", "Westmoor")
INTERESTS = ("football", "boxing", "music", "gaming", "cooking", "art", "basketball", "cycling", "fishing")
LANGUAGES = ("English", "English, Polish", "English, Somali", "English, Urdu", "English, Portuguese")
ACTIVITIES = (
    "Football at the park",
    "Food and a chat",
    "Boxing club",
    "Music studio",
    "Walk and talk",
    "Homework help",
)
REASONS = (
    "Says there is nobody to talk to outside home",
    "Asked for a male role model",
    "Missing from school; needs something positive in the week",
)
PIPELINE = (MentorStatus.APPLICANT, MentorStatus.VETTING, MentorStatus.IN_TRAINING, MentorStatus.ACTIVE)


def _mentor(fake, rng, agency, coordinator, status, start: date, *, user=None, capacity=1, **extra) -> Mentor:
    """A mentor with a dated history: a step every few weeks from `start` up to `status`, and the
    vetting and training each step needs."""
    male = rng.random() < 0.6
    mentor = Mentor.objects.create(
        agency=agency,
        user=user,
        given_name=fake.first_name_male() if male else fake.first_name_female(),
        family_name=fake.last_name(),
        email=fake.email(),
        status=status,
        area=rng.choice(AREAS),
        gender="Male" if male else "Female",
        languages=rng.choice(LANGUAGES),
        interests=", ".join(rng.sample(INTERESTS, 2)),
        availability=rng.choice(("Weekday evenings", "Weekends", "Saturday mornings")),
        capacity=capacity,
        **extra,
    )
    steps = PIPELINE[: PIPELINE.index(status) + 1] if status in PIPELINE else (*PIPELINE, status)
    on = start
    for step in steps:
        MentorStep.objects.create(mentor=mentor, status=step, moved_on=on, moved_by=coordinator)
        if step == MentorStatus.VETTING:
            mentor.dbs_checked_on = extra.get("dbs_checked_on") or on + timedelta(days=10)
            mentor.dbs_certificate_number = f"{rng.randrange(10**11, 10**12):012d}"
            mentor.dbs_outcome = DbsOutcome.CLEAR
            mentor.dbs_barred_list_checked = True
            mentor.dbs_update_service = UpdateServiceStatus.REGISTERED
            mentor.interviewed_on = on + timedelta(days=5)
            for _ in range(2):
                MentorReference.objects.create(
                    mentor=mentor,
                    referee_name=fake.name(),
                    relationship=rng.choice(("Employer", "Coach", "Faith leader")),
                    received_on=on + timedelta(days=12),
                    recorded_by=coordinator,
                )
        if step == MentorStatus.IN_TRAINING and status != MentorStatus.IN_TRAINING:
            for module in TrainingModule.objects.filter(required=True, is_active=True):
                TrainingCompletion.objects.create(
                    mentor=mentor, module=module, completed_on=on + timedelta(days=14), recorded_by=coordinator
                )
        mentor.status_changed_on = on
        on += timedelta(days=rng.randint(21, 35))
    mentor.save()
    return mentor


def _login(fake, agency, number: int) -> User:
    """A mentor's own sign-in (no password: only the mentor persona signs in to the demo)."""
    user, _created = User.objects.get_or_create(
        username=f"demo-mentor-{number}",
        defaults={"first_name": fake.first_name(), "last_name": fake.last_name(), "password": make_password(None)},
    )
    Membership.objects.get_or_create(user=user, agency=agency, role=Role.MENTOR)
    return user


def _referral(rng, child, agency, users, referred_on: date, **fields) -> MentoringReferral:
    if not Involvement.objects.filter(child=child, agency=agency).exists():
        Involvement.objects.create(child=child, agency=agency, started_on=referred_on)
    return MentoringReferral.objects.create(
        child=child,
        agency=agency,
        referred_by=users["caseworker"],
        referrer_agency=Agency.objects.get(name=accounts_demo.CHILDRENS_SERVICES),
        referred_on=referred_on,
        reason=rng.choice(REASONS),
        goals="Somewhere to go and someone to talk to; back into education",
        preferences=rng.choice(("A male role model", "Someone into sport", "")),
        area=child.neighbourhood.name if child.neighbourhood else "",
        interests=", ".join(rng.sample(INTERESTS, 2)),
        status_changed_on=fields.pop("status_changed_on", referred_on),
        **fields,
    )


def _sessions(rng, match: Match, user: User, today: date, *, stop_days_ago: int = 0) -> None:
    on = match.started_on + timedelta(days=rng.randint(2, 6))
    last = today - timedelta(days=stop_days_ago)
    if match.ended_on:
        last = min(last, match.ended_on)
    while on <= last:
        attended = rng.random() < 0.85
        MentoringSession.objects.create(
            match=match,
            held_on=on,
            duration_minutes=rng.choice((45, 60, 90, 120)),
            activity=rng.choice(ACTIVITIES),
            place_type=rng.choice((PlaceType.COMMUNITY_CENTRE, PlaceType.SPORTS, PlaceType.CAFE, PlaceType.OUTDOORS)),
            attended=attended,
            mood=rng.choice((3, 4, 4, 5)) if attended else None,
            recorded_by=user,
        )
        on += timedelta(days=rng.randint(6, 10))


def _match(rng, referral, mentor, coordinator, started_on, grant, *, ended_on=None) -> Match:
    match = Match.objects.create(
        referral=referral,
        mentor=mentor,
        child=referral.child,
        started_on=started_on,
        suitability_notes=f"Shares interests ({mentor.interests}); lives in {mentor.area}",
        proposed_by=coordinator,
        access_grant=grant,
        ended_on=ended_on,
        end_reason=rng.choice((EndReason.GOALS_MET, EndReason.MOVED_AWAY, EndReason.DISENGAGED)) if ended_on else "",
        ended_by=coordinator if ended_on else None,
    )
    referral.status = ReferralStatus.CLOSED if ended_on else ReferralStatus.MATCHED
    referral.status_changed_on = ended_on or started_on
    referral.closed_on = ended_on
    referral.save()
    return match


def _candidates(agency: Agency, taken: set[int]) -> list[Child]:
    """Young people to refer: those the mentoring network already works with first, then those
    children's services (the referring caseworker's agency) work with."""
    working = Child.objects.filter(involvements__agency=agency).exclude(pk__in=taken).distinct()
    council = (
        Child.objects.filter(involvements__agency__name=accounts_demo.CHILDRENS_SERVICES)
        .exclude(involvements__agency=agency)
        .exclude(pk__in=taken)
        .distinct()
    )
    return [*working.order_by("reference"), *council.order_by("reference")]


def seed(agencies: dict[str, Agency], users: dict[str, User], today: date) -> int:
    """The network, once (returns the number of mentors added)."""
    agency = agencies[accounts_demo.MENTORING]
    if Mentor.objects.filter(agency=agency).exists():
        return 0
    fake = Faker("en_GB")
    fake.seed_instance(1515)
    rng = random.Random(1515)
    coordinator, persona = users["coordinator"], users["mentor"]

    active = []
    for number, capacity in enumerate(ACTIVE_CAPACITIES):
        user = persona if number == 0 else _login(fake, agency, number)
        start = today - timedelta(days=rng.randint(300, 500))
        extra = {"dbs_checked_on": today - timedelta(days=3 * 365 - 40)} if number == 6 else {}
        active.append(
            _mentor(fake, rng, agency, coordinator, MentorStatus.ACTIVE, start, user=user, capacity=capacity, **extra)
        )
    for _ in range(IN_TRAINING):
        _mentor(fake, rng, agency, coordinator, MentorStatus.IN_TRAINING, today - timedelta(days=rng.randint(100, 120)))
    for status in OTHER_STATUSES:
        # Every step in the past: a step follows the last by at most 35 days.
        start = today - timedelta(days=rng.randint(60, 200) if status != MentorStatus.PAUSED else 420)
        _mentor(fake, rng, agency, coordinator, status, start)
    SupervisionNote.objects.create(
        mentor=active[0],
        held_on=today - timedelta(days=14),
        note="Going well; agreed boundaries on texting",
        recorded_by=coordinator,
    )

    # Every match, the persona's included, carries its own mentoring-only grant: a mentor sees their
    # young people in mentoring and nowhere else.
    pool = iter(_candidates(agency, set()))
    for mentor in active:
        for slot in range(mentor.capacity):
            started_on = today - timedelta(days=rng.randint(30, 200))
            child = next(pool)
            grant = AccessGrant.objects.create(
                user=mentor.user,
                child=child,
                reason=f"Community mentoring: matched with {mentor.full_name}",
                starts_on=started_on,
                ends_on=started_on + timedelta(days=365),
                granted_by=coordinator,
                scope=GRANT_SCOPE,
            )
            referral = _referral(rng, child, agency, users, started_on - timedelta(days=rng.randint(10, 40)))
            match = _match(rng, referral, mentor, coordinator, started_on, grant)
            # The last young person of the last two mentors has drifted: no session for 30 days.
            drifted = mentor in active[-2:] and slot == mentor.capacity - 1
            _sessions(rng, match, mentor.user, today, stop_days_ago=30 if drifted else 0)
    for number in range(ENDED_MATCHES):
        child = next(pool)
        started_on = today - timedelta(days=300 - number * 20)
        ended_on = started_on + timedelta(days=120)
        mentor = active[number + 1]
        grant = AccessGrant.objects.create(
            user=mentor.user,
            child=child,
            reason=f"Community mentoring: matched with {mentor.full_name}",
            starts_on=started_on,
            ends_on=started_on + timedelta(days=365),
            granted_by=coordinator,
            scope=GRANT_SCOPE,
            ended_at=timezone.make_aware(datetime.combine(ended_on, time(12))),
            ended_by=coordinator,
            end_reason="Mentoring match ended",
        )
        referral = _referral(rng, child, agency, users, started_on - timedelta(days=20))
        match = _match(rng, referral, mentor, coordinator, started_on, grant, ended_on=ended_on)
        _sessions(rng, match, mentor.user, today)
    for _ in range(IN_PREPARATION):
        referred_on = today - timedelta(days=rng.randint(14, 120))
        prepared_on = referred_on + timedelta(days=rng.randint(2, 10))
        _referral(
            rng,
            next(pool),
            agency,
            users,
            referred_on,
            status=ReferralStatus.PREPARATION,
            preparation_started_on=prepared_on,
            status_changed_on=prepared_on,
        )
    for number in range(WAITING):
        # Two have waited over 28 days (drift on the coordinator's home page).
        _referral(rng, next(pool), agency, users, today - timedelta(days=(45, 35, 12, 5)[number]))
    return len(ACTIVE_CAPACITIES) + IN_TRAINING + len(OTHER_STATUSES)
