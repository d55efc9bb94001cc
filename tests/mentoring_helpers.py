"""Mentoring records for tests, made directly (the services are tested on their own)."""

from datetime import timedelta

from django.utils import timezone

from access.models import AccessGrant
from mentoring.models import (
    DbsOutcome,
    Match,
    Mentor,
    MentoringReferral,
    MentorReference,
    MentorStatus,
    MentorStep,
    TrainingCompletion,
    TrainingModule,
)

PIPELINE = (MentorStatus.APPLICANT, MentorStatus.VETTING, MentorStatus.IN_TRAINING, MentorStatus.ACTIVE)
# The modules mentoring/migrations/0002 adds: made again here, since a transactional test (a
# browser journey) empties every table, data from migrations included, when it ends.
TRAINING_MODULES = (
    "Safeguarding and child protection",
    "The mentor's role and its boundaries",
    "Exploitation and contextual safeguarding",
    "Recording sessions and raising concerns",
)


def ensure_training_modules() -> None:
    for order, name in enumerate(TRAINING_MODULES, start=1):
        TrainingModule.objects.get_or_create(name=name, defaults={"order": order})


def vetted_mentor(agency, user=None, *, moved_by, status=MentorStatus.ACTIVE, since=None, **fields) -> Mentor:
    """A mentor with a clear DBS check, two references, an interview and every required module,
    moved through the pipeline to `status` (each step on `since`, 60 days ago by default)."""
    ensure_training_modules()
    since = since or timezone.localdate() - timedelta(days=60)
    fields.setdefault("given_name", "Test")
    fields.setdefault("family_name", f"Mentor{Mentor.objects.count() + 1}")
    mentor = Mentor.objects.create(
        agency=agency,
        user=user,
        status=status,
        status_changed_on=since,
        dbs_checked_on=fields.pop("dbs_checked_on", since),
        dbs_certificate_number="001234567890",
        dbs_outcome=DbsOutcome.CLEAR,
        dbs_barred_list_checked=True,
        interviewed_on=since,
        **fields,
    )
    for name in ("Referee One", "Referee Two"):
        MentorReference.objects.create(mentor=mentor, referee_name=name, received_on=since, recorded_by=moved_by)
    for module in TrainingModule.objects.filter(required=True, is_active=True):
        TrainingCompletion.objects.create(mentor=mentor, module=module, completed_on=since, recorded_by=moved_by)
    steps = PIPELINE[: PIPELINE.index(status) + 1] if status in PIPELINE else (*PIPELINE, status)
    for step in steps:
        MentorStep.objects.create(mentor=mentor, status=step, moved_on=since, moved_by=moved_by)
    return mentor


def referral(p, child, *, status="waiting", referred_on=None, **fields) -> MentoringReferral:
    return MentoringReferral.objects.create(
        child=child,
        agency=p.agencies["mentoring"],
        referred_by=p.users["caseworker"],
        referrer_agency=p.agencies["council"],
        referred_on=referred_on or timezone.localdate() - timedelta(days=10),
        reason="Needs someone to talk to",
        goals="Back into football",
        status=status,
        **fields,
    )


def partnership_match(p) -> Match:
    """The mentor persona's match with the mentee, backed by the partnership's access grant."""
    found = getattr(p, "_mentoring_match", None)
    if found is not None:
        return found
    coordinator = p.users["coordinator"]
    mentor = vetted_mentor(p.agencies["mentoring"], p.users["mentor"], moved_by=coordinator, given_name="Marcus")
    made = referral(p, p.mentee, status="matched", preferred_name="Jay", shared_note="Loves football")
    match = Match.objects.create(
        referral=made,
        mentor=mentor,
        child=p.mentee,
        started_on=timezone.localdate() - timedelta(days=5),
        suitability_notes="Both love football",
        proposed_by=coordinator,
        access_grant=AccessGrant.objects.get(user=p.users["mentor"], child=p.mentee),
    )
    p._mentoring_match = match
    return match
