"""Writes for community mentoring. Each takes the acting user, checks the policy, validates with
plain-English messages, writes and audits in one transaction.

A match grants the mentor access to that one young person through the access layer's grant
service, and ending the match ends the grant at once. A concern goes to the young person's lead
professional at once (a notification and a task) and into their chronology.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from access import policy
from access import services as access_services
from access.models import AccessGrant
from access.services import MAX_GRANT_DAYS
from accounts.models import Agency, Membership, Notification, NotificationKind, Role
from accounts.notifications import notify
from audit import services as audit
from audit.models import AuditAction
from cases.models import Child, ChronologyEvent, Involvement
from cases.models.chronology import EventKind
from cases.signals import event_recorded
from interventions.models import Task, TaskKind
from interventions.services.tasks import lead_agency_for
from mentoring.models import (
    GRANT_SCOPE,
    MAX_SESSION_MINUTES,
    Concern,
    DbsOutcome,
    EndReason,
    Match,
    Mentor,
    MentoringReferral,
    MentoringSession,
    MentorReference,
    MentorStatus,
    MentorStep,
    ReferralStatus,
    SupervisionNote,
    TrainingCompletion,
    TrainingModule,
    UpdateServiceStatus,
    coordinated_agencies,
)

if TYPE_CHECKING:
    from accounts.models import User

REFERENCES_NEEDED = 2
CONCERN_TASK_HOURS = 24
PROFILE_FIELDS = ("area", "gender", "languages", "interests", "availability", "capacity", "email", "phone")
# Where each status may be reached from.
MOVES: dict[str, tuple[str, ...]] = {
    MentorStatus.VETTING: (MentorStatus.APPLICANT,),
    MentorStatus.IN_TRAINING: (MentorStatus.VETTING,),
    MentorStatus.ACTIVE: (MentorStatus.IN_TRAINING, MentorStatus.PAUSED),
    MentorStatus.PAUSED: (MentorStatus.ACTIVE,),
    MentorStatus.LEFT: (
        MentorStatus.APPLICANT,
        MentorStatus.VETTING,
        MentorStatus.IN_TRAINING,
        MentorStatus.ACTIVE,
        MentorStatus.PAUSED,
    ),
}


def _not_future(value: date | None, field: str, what: str) -> None:
    if value is None:
        raise ValidationError({field: f"Enter the date {what}"})
    if value > timezone.localdate():
        raise ValidationError({field: f"The date {what} must be today or in the past"})


def _coordinate(user: User, mentor: Mentor | None = None) -> None:
    policy.require(user, "coordinate_mentoring", message="Only a mentoring coordinator can do this.")
    if mentor is not None and mentor.agency_id not in coordinated_agencies(user):
        raise PermissionDenied("This mentor belongs to another mentoring network.")


def _save(user: User, obj: Any, before: dict[str, Any]) -> None:
    obj.full_clean()
    obj.save()
    audit.record_write(user, AuditAction.UPDATE, obj, before=before, after=audit.snapshot(obj))


# Mentors and vetting ------------------------------------------------------------------------------


@transaction.atomic
def create_mentor(
    user: User, *, given_name: str, family_name: str, applied_on: date | None = None, **profile: Any
) -> Mentor:
    """An applicant (from `applied_on`, today by default), in the coordinator's own (first)
    mentoring network."""
    _coordinate(user)
    applied_on = applied_on or timezone.localdate()
    _not_future(applied_on, "applied_on", "they applied")
    agencies = coordinated_agencies(user)
    if not given_name.strip() or not family_name.strip():
        raise ValidationError({"given_name": "Enter the applicant's first and last name"})
    fields = {key: value for key, value in profile.items() if key in PROFILE_FIELDS}
    mentor = audit.create_audited(
        user,
        Mentor,
        agency_id=agencies[0],
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        status=MentorStatus.APPLICANT,
        status_changed_on=applied_on,
        **fields,
    )
    audit.create_audited(
        user, MentorStep, mentor=mentor, status=MentorStatus.APPLICANT, moved_on=applied_on, moved_by=user
    )
    return mentor


@transaction.atomic
def update_mentor_profile(user: User, mentor: Mentor, **changes: Any) -> Mentor:
    """The profile used for matching: area, languages, interests, gender, availability, capacity."""
    _coordinate(user, mentor)
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    before = audit.snapshot(current)
    for key, value in changes.items():
        if key in PROFILE_FIELDS:
            setattr(current, key, value)
    if changes.get("capacity") is not None and current.capacity < current.matches.active().count():
        raise ValidationError({"capacity": "Capacity cannot be less than the young people they mentor now"})
    _save(user, current, before)
    return current


@transaction.atomic
def link_sign_in(user: User, mentor: Mentor, login: Any) -> Mentor:
    """The mentor's own sign-in: a user with the mentor role in the same network."""
    _coordinate(user, mentor)
    if (
        login is None
        or not Membership.objects.active().filter(user=login, agency_id=mentor.agency_id, role=Role.MENTOR).exists()
    ):
        raise ValidationError({"user": "Choose someone with a mentor sign-in in this mentoring network"})
    if Mentor.objects.filter(user=login).exclude(pk=mentor.pk).exists():
        raise ValidationError({"user": "This sign-in already belongs to another mentor"})
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    before = audit.snapshot(current)
    current.user = login
    _save(user, current, before)
    return current


@transaction.atomic
def record_dbs_check(
    user: User,
    mentor: Mentor,
    *,
    checked_on: date | None,
    certificate_number: str,
    outcome: str,
    barred_list_checked: bool,
    update_service: str = UpdateServiceStatus.NOT_REGISTERED,
) -> Mentor:
    """The enhanced DBS check with the children's barred list."""
    _coordinate(user, mentor)
    _not_future(checked_on, "checked_on", "of the DBS certificate")
    number = "".join((certificate_number or "").split())
    errors: dict[str, str] = {}
    if len(number) != 12 or not number.isdigit():
        errors["certificate_number"] = "Enter a DBS certificate number of 12 digits, like 001234567890"
    if outcome not in DbsOutcome.values:
        errors["outcome"] = "Choose the outcome of the check"
    if update_service not in UpdateServiceStatus.values:
        errors["update_service"] = "Choose whether they are registered with the DBS Update Service"
    if not barred_list_checked:
        errors["barred_list_checked"] = "The check must include the children's barred list"
    if errors:
        raise ValidationError(errors)
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    before = audit.snapshot(current)
    current.dbs_checked_on = checked_on
    current.dbs_certificate_number = number
    current.dbs_outcome = outcome
    current.dbs_barred_list_checked = True
    current.dbs_update_service = update_service
    _save(user, current, before)
    return current


@transaction.atomic
def add_reference(
    user: User, mentor: Mentor, *, referee_name: str, relationship: str, received_on: date | None, satisfactory: bool
) -> MentorReference:
    _coordinate(user, mentor)
    if not (referee_name or "").strip():
        raise ValidationError({"referee_name": "Enter the name of the referee"})
    _not_future(received_on, "received_on", "the reference was received")
    return audit.create_audited(
        user,
        MentorReference,
        mentor=mentor,
        referee_name=referee_name.strip(),
        relationship=(relationship or "").strip(),
        received_on=received_on,
        satisfactory=satisfactory,
        recorded_by=user,
    )


@transaction.atomic
def record_interview(user: User, mentor: Mentor, *, interviewed_on: date | None, notes: str) -> Mentor:
    _coordinate(user, mentor)
    _not_future(interviewed_on, "interviewed_on", "of the interview")
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    before = audit.snapshot(current)
    current.interviewed_on = interviewed_on
    current.interview_notes = (notes or "").strip()
    _save(user, current, before)
    return current


@transaction.atomic
def complete_training(
    user: User, mentor: Mentor, *, module: TrainingModule | None, completed_on: date | None
) -> TrainingCompletion:
    _coordinate(user, mentor)
    if module is None or not module.is_active:
        raise ValidationError({"module": "Choose a training module"})
    _not_future(completed_on, "completed_on", "the module was completed")
    if TrainingCompletion.objects.filter(mentor=mentor, module=module).exists():
        raise ValidationError({"module": "This module is already recorded as completed"})
    return audit.create_audited(
        user, TrainingCompletion, mentor=mentor, module=module, completed_on=completed_on, recorded_by=user
    )


@transaction.atomic
def add_supervision_note(user: User, mentor: Mentor, *, held_on: date | None, note: str) -> SupervisionNote:
    _coordinate(user, mentor)
    _not_future(held_on, "held_on", "of the supervision")
    if not (note or "").strip():
        raise ValidationError({"note": "Enter what was discussed"})
    return audit.create_audited(
        user, SupervisionNote, mentor=mentor, held_on=held_on, note=note.strip(), recorded_by=user
    )


def vetting_gaps(mentor: Mentor, on: date | None = None) -> list[str]:
    """What safe recruitment still needs, in plain English (empty when vetting is complete)."""
    on = on or timezone.localdate()
    gaps = []
    if mentor.dbs_checked_on is None:
        gaps.append("an enhanced DBS check with the barred list")
    elif mentor.dbs_outcome not in (DbsOutcome.CLEAR, DbsOutcome.DISCLOSED_SUITABLE):
        gaps.append("a DBS check with a suitable outcome")
    elif mentor.dbs_expired(on):
        gaps.append("a DBS check that has not expired")
    references = [ref for ref in mentor.references.all() if ref.satisfactory]
    if len(references) < REFERENCES_NEEDED:
        gaps.append(f"{REFERENCES_NEEDED} satisfactory references ({len(references)} so far)")
    if mentor.interviewed_on is None:
        gaps.append("an interview")
    return gaps


def required_modules() -> list[TrainingModule]:
    return list(TrainingModule.objects.filter(required=True, is_active=True))


def training_gaps(mentor: Mentor, required: list[TrainingModule] | None = None) -> list[str]:
    """The names of required training modules not yet completed (`required`: the modules, when
    the caller already has them)."""
    done = {completion.module_id for completion in mentor.training.all()}
    modules = required_modules() if required is None else required
    return [module.name for module in modules if module.pk not in done]


@transaction.atomic
def move_mentor(user: User, mentor: Mentor, *, status: str, moved_on: date | None, note: str = "") -> Mentor:
    """Move a mentor to the next step of the pipeline, with the date and who moved them."""
    _coordinate(user, mentor)
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    if status not in MOVES:
        raise ValidationError({"status": "Choose the step to move them to"})
    if current.status not in MOVES[status]:
        raise ValidationError(
            {
                "status": f"A mentor who is {current.get_status_display().lower()} "
                f"cannot move to {MentorStatus(status).label.lower()}"
            }
        )
    _not_future(moved_on, "moved_on", "of this step")
    assert moved_on is not None  # checked above
    last = current.steps.order_by("-moved_on").first()
    if last is not None and moved_on < last.moved_on:
        raise ValidationError({"moved_on": f"The date must be on or after the last step ({last.moved_on:%-d %B %Y})"})
    if status in (MentorStatus.IN_TRAINING, MentorStatus.ACTIVE):
        gaps = vetting_gaps(current, moved_on)
        if gaps:
            raise ValidationError({"status": "Vetting is not complete: they still need " + ", ".join(gaps)})
    if status == MentorStatus.ACTIVE:
        missing = training_gaps(current)
        if missing:
            raise ValidationError({"status": "Training is not complete: they still need " + ", ".join(missing)})
        if current.user_id is None:
            raise ValidationError({"status": "Link their mentor sign-in before they become active"})
    if status in (MentorStatus.LEFT, MentorStatus.PAUSED) and current.matches.active().exists():
        raise ValidationError({"status": "End their matches first: each young person needs to be told"})
    before = audit.snapshot(current)
    current.status = status
    current.status_changed_on = moved_on
    _save(user, current, before)
    audit.create_audited(
        user, MentorStep, mentor=current, status=status, moved_on=moved_on, moved_by=user, note=(note or "").strip()
    )
    return current


# Referrals and the waiting list -------------------------------------------------------------------


def mentoring_agencies() -> list[Agency]:
    """Agencies that run mentoring: those with an active mentoring coordinator."""
    ids = Membership.objects.active().filter(role=Role.MENTORING_COORDINATOR).values("agency_id")
    return list(Agency.objects.filter(pk__in=ids, is_active=True).order_by("name"))


@transaction.atomic
def refer(
    user: User,
    child: Child,
    *,
    agency: Agency | None,
    reason: str,
    goals: str,
    preferences: str = "",
    preferred_gender: str = "",
    area: str = "",
    interests: str = "",
    languages: str = "",
    preferred_name: str = "",
) -> MentoringReferral:
    """Refer a young person the user can see to a mentoring network. The network starts working
    with the young person (an involvement), so its coordinator can see them and match them."""
    policy.require(user, "refer_to_mentoring", child, "You cannot refer this young person.")
    errors: dict[str, str] = {}
    if agency is None or agency.pk not in {found.pk for found in mentoring_agencies()}:
        errors["agency"] = "Choose a mentoring network"
    if not (reason or "").strip():
        errors["reason"] = "Enter why mentoring would help this young person"
    if not (goals or "").strip():
        errors["goals"] = "Enter what the young person hopes to get from mentoring"
    if errors:
        raise ValidationError(errors)
    assert agency is not None  # checked above
    if (
        MentoringReferral.objects.open().filter(child=child, agency=agency).exists()
        or Match.objects.active().filter(child=child, mentor__agency=agency).exists()
    ):
        raise ValidationError({"agency": "This young person is already referred to this mentoring network"})
    today = timezone.localdate()
    referral = audit.create_audited(
        user,
        MentoringReferral,
        child=child,
        agency=agency,
        referred_by=user,
        referrer_agency=policy.acting_agency(user),
        referred_on=today,
        reason=reason.strip(),
        goals=goals.strip(),
        preferences=preferences.strip(),
        preferred_gender=preferred_gender.strip(),
        area=(area or (child.neighbourhood.name if child.neighbourhood else "")).strip(),
        interests=interests.strip(),
        languages=languages.strip(),
        preferred_name=preferred_name.strip(),
        status_changed_on=today,
    )
    if not Involvement.objects.active().filter(child=child, agency=agency).exists():
        audit.create_audited(user, Involvement, child=child, agency=agency, started_on=today)
    return referral


def _coordinate_referral(user: User, referral: MentoringReferral) -> None:
    _coordinate(user)
    if referral.agency_id not in coordinated_agencies(user):
        raise PermissionDenied("This referral was made to another mentoring network.")


@transaction.atomic
def set_preparation(user: User, referral: MentoringReferral, *, preparing: bool) -> MentoringReferral:
    """Move a young person between the waiting list and preparation (not yet ready to be matched)."""
    _coordinate_referral(user, referral)
    current = MentoringReferral.objects.select_for_update().get(pk=referral.pk)
    if current.status not in (ReferralStatus.WAITING, ReferralStatus.PREPARATION):
        raise ValidationError({"status": "Only a young person who is waiting can be moved to or from preparation"})
    before = audit.snapshot(current)
    today = timezone.localdate()
    if preparing and current.status == ReferralStatus.WAITING:
        current.status = ReferralStatus.PREPARATION
        current.preparation_started_on = today
        current.preparation_ended_on = None
    elif not preparing and current.status == ReferralStatus.PREPARATION:
        current.status = ReferralStatus.WAITING
        current.preparation_ended_on = today
    else:
        return current
    current.status_changed_on = today
    _save(user, current, before)
    return current


@transaction.atomic
def update_sharing(
    user: User, referral: MentoringReferral, *, preferred_name: str, shared_note: str
) -> MentoringReferral:
    """What the mentor will see about the young person besides their name and age."""
    _coordinate_referral(user, referral)
    current = MentoringReferral.objects.select_for_update().get(pk=referral.pk)
    before = audit.snapshot(current)
    current.preferred_name = (preferred_name or "").strip()
    current.shared_note = (shared_note or "").strip()
    _save(user, current, before)
    return current


@transaction.atomic
def close_referral(user: User, referral: MentoringReferral, *, closed_on: date | None = None) -> MentoringReferral:
    _coordinate_referral(user, referral)
    current = MentoringReferral.objects.select_for_update().get(pk=referral.pk)
    if current.status not in (ReferralStatus.WAITING, ReferralStatus.PREPARATION):
        raise ValidationError({"status": "Only an open referral can be closed"})
    before = audit.snapshot(current)
    current.status = ReferralStatus.CLOSED
    current.closed_on = closed_on or timezone.localdate()
    current.status_changed_on = current.closed_on
    if current.preparation_started_on and current.preparation_ended_on is None:
        current.preparation_ended_on = current.closed_on
    _save(user, current, before)
    return current


# Matching -----------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A mentor considered for a young person: why they are listed (reasons) and, if they cannot
    be matched, why not (refusals)."""

    mentor: Mentor
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    active_matches: int = 0

    @property
    def eligible(self) -> bool:
        return not self.refusals

    @property
    def spare(self) -> int:
        return self.mentor.capacity - self.active_matches


def _words(text: str) -> set[str]:
    return {word.strip().lower() for word in text.split(",") if word.strip()}


def refusals_for(
    mentor: Mentor,
    referral: MentoringReferral,
    active_matches: int,
    on: date,
    required: list[TrainingModule] | None = None,
) -> list[str]:
    """Why this mentor cannot be matched with this young person now (empty when they can)."""
    refusals = []
    if mentor.status != MentorStatus.ACTIVE:
        refusals.append(f"Not active: {mentor.get_status_display().lower()}")
    gaps = vetting_gaps(mentor, on)
    if gaps:
        refusals.append("Vetting is not complete: they still need " + ", ".join(gaps))
    missing = training_gaps(mentor, required)
    if missing:
        refusals.append("Training is not complete: they still need " + ", ".join(missing))
    if mentor.dbs_expired(on):
        expires = mentor.dbs_expires_on()
        refusals.append(f"Their DBS check expired on {expires:%-d %B %Y}: it must be renewed first")
    if active_matches >= mentor.capacity:
        refusals.append(f"At capacity: already mentoring {active_matches} of {mentor.capacity}")
    if mentor.user_id is None:
        refusals.append("Has no mentor sign-in yet")
    if any(match.child_id == referral.child_id for match in mentor.matches.all() if match.ended_on is None):
        refusals.append("Already matched with this young person")
    return refusals


def preferred_gender(referral: MentoringReferral) -> tuple[str, str]:
    """The mentor's gender the young person asked for (lower case) and how they put it: the
    referral's own field, else a "male role model" or "female mentor" in their preferences."""
    if referral.preferred_gender.strip():
        return referral.preferred_gender.strip().lower(), referral.preferred_gender.strip().lower()
    words = set(referral.preferences.lower().replace(",", " ").split())
    for gender, names in (("female", {"female", "woman", "women"}), ("male", {"male", "man", "men"})):
        if words & names:
            return gender, referral.preferences.strip().lower()
    return "", ""


def rank_mentors(referral: MentoringReferral, on: date | None = None) -> list[Candidate]:
    """Every mentor of the referral's network who is active, ranked by transparent criteria: the
    same area, the young person's stated preference (gender), shared interests, a shared
    language, and spare capacity. Each candidate says why it is listed; those who cannot be
    matched say why not and come last."""
    on = on or timezone.localdate()
    mentors = (
        Mentor.objects.filter(agency_id=referral.agency_id, status=MentorStatus.ACTIVE)
        .prefetch_related("references", "training", "matches")
        .order_by("family_name", "given_name", "id")
    )
    interests, languages = _words(referral.interests), _words(referral.languages)
    required = required_modules()
    wanted, wanted_because = preferred_gender(referral)
    candidates = []
    for mentor in mentors:
        active = sum(1 for match in mentor.matches.all() if match.ended_on is None)
        candidate = Candidate(mentor, active_matches=active)
        candidate.refusals = refusals_for(mentor, referral, active, on, required)
        if referral.area and mentor.area.strip().lower() == referral.area.strip().lower():
            candidate.score += 3
            candidate.reasons.append(f"Lives or works in {mentor.area}")
        if wanted and mentor.gender.strip().lower() == wanted:
            candidate.score += 3
            candidate.reasons.append(f"Matches the young person's preference: {wanted_because}")
        shared = sorted(interests & _words(mentor.interests))
        if shared:
            candidate.score += 2 * len(shared)
            candidate.reasons.append("Shares interests: " + ", ".join(shared))
        spoken = sorted(languages & _words(mentor.languages))
        if spoken:
            candidate.score += 2
            candidate.reasons.append("Speaks " + ", ".join(spoken))
        if candidate.spare > 0:
            candidate.score += candidate.spare
            candidate.reasons.append(
                f"Has room for {candidate.spare} more young {'person' if candidate.spare == 1 else 'people'}"
            )
        candidates.append(candidate)
    return sorted(candidates, key=lambda c: (not c.eligible, -c.score, c.mentor.family_name, c.mentor.pk))


def lead_professional_for(child: Child, referral: MentoringReferral | None = None) -> User | None:
    """The young person's lead professional: the child's own, else the lead agency's, else
    whoever referred them to mentoring."""
    if child.lead_professional_id:
        lead: User | None = child.lead_professional
        return lead
    involvement = (
        Involvement.objects.active()
        .filter(child=child, is_lead_agency=True, lead_professional__isnull=False)
        .select_related("lead_professional")
        .first()
    )
    if involvement is not None:
        return involvement.lead_professional
    if referral is not None:
        return referral.referred_by
    return None


def _tell(user: User | None, message: str, link: str = "") -> None:
    if user is not None and user.is_active:
        Notification.objects.create(user=user, message=message[:500], link=link)


@transaction.atomic
def start_match(
    user: User,
    referral: MentoringReferral,
    mentor: Mentor,
    *,
    started_on: date | None,
    suitability_notes: str,
) -> Match:
    """Match a mentor with a young person from the waiting list. The mentor is granted access to
    that one young person for as long as the match lasts (at most a year at a time)."""
    _coordinate_referral(user, referral)
    child = referral.child
    if not policy.can(user, "match_mentor", child):
        raise ValidationError({"referral": "You cannot see this young person's record, so you cannot match them"})
    if mentor.agency_id != referral.agency_id:
        raise ValidationError({"mentor": "Choose a mentor from this mentoring network"})
    current = MentoringReferral.objects.select_for_update().get(pk=referral.pk)
    if current.status == ReferralStatus.PREPARATION:
        raise ValidationError(
            {"referral": "This young person is in preparation: move them to the waiting list when they are ready"}
        )
    if current.status != ReferralStatus.WAITING:
        raise ValidationError({"referral": "This young person is not on the waiting list"})
    today = timezone.localdate()
    _not_future(started_on, "started_on", "the match starts")
    assert started_on is not None  # checked above
    if started_on < current.referred_on:
        raise ValidationError({"started_on": "The match cannot start before the young person was referred"})
    if not (suitability_notes or "").strip():
        raise ValidationError({"suitability_notes": "Enter why this mentor suits this young person"})
    locked = Mentor.objects.select_for_update().get(pk=mentor.pk)
    if Match.objects.active().filter(mentor=locked, child=child).exists():
        raise ValidationError({"mentor": "This mentor is already matched with this young person"})
    active = Match.objects.active().filter(mentor=locked).count()
    refusals = refusals_for(locked, current, active, today)
    if refusals:
        raise ValidationError({"mentor": refusals})
    grant = _grant_for_match(user, locked, child)
    match = audit.create_audited(
        user,
        Match,
        referral=current,
        mentor=locked,
        child=child,
        started_on=started_on,
        suitability_notes=suitability_notes.strip(),
        proposed_by=user,
        access_grant=grant,
    )
    before = audit.snapshot(current)
    current.status = ReferralStatus.MATCHED
    current.status_changed_on = started_on
    if current.preparation_started_on and current.preparation_ended_on is None:
        current.preparation_ended_on = started_on
    _save(user, current, before)
    _tell(
        lead_professional_for(child, current),
        f"{child.reference} has been matched with a community mentor from {started_on:%-d %B %Y}",
        reverse("cases:child_detail", args=[child.pk]),
    )
    return match


def _grant_for_match(user: User, mentor: Mentor, child: Child) -> AccessGrant:
    """The mentor's access to the young person, for a year at most (the grant service's limit):
    scoped to mentoring, so the child appears nowhere else for them."""
    try:
        return access_services.grant_access(
            user,
            mentor.user,
            child,
            reason=f"Community mentoring: matched with {mentor.full_name}",
            ends_on=timezone.localdate() + timedelta(days=MAX_GRANT_DAYS - 1),
            authorised_by="match_mentor",
            scope=GRANT_SCOPE,
        )
    except ValidationError as error:
        messages = error.message_dict.get("user") or error.messages
        raise ValidationError({"mentor": messages}) from error


@transaction.atomic
def renew_match_access(user: User, match: Match) -> Match:
    """Another year of the mentor's access for a match that goes on (a grant lasts a year at
    most): the current grant ends and a new one starts today."""
    _coordinate(user)
    current = (
        Match.objects.select_for_update(of=("self",)).select_related("mentor", "child", "access_grant").get(pk=match.pk)
    )
    if current.mentor.agency_id not in coordinated_agencies(user):
        raise PermissionDenied("This match belongs to another mentoring network.")
    if current.ended_on is not None:
        raise ValidationError({"match": "This match has ended: the mentor's access is not renewed"})
    if current.mentor.user_id is None or current.mentor.status != MentorStatus.ACTIVE:
        raise ValidationError({"match": "Only an active mentor's access can be renewed"})
    if current.mentor.dbs_expired():
        raise ValidationError({"match": "The mentor's DBS check has expired: renew it first"})
    old = current.access_grant
    if old is not None and old.ended_at is None:
        access_services.end_access_grant(
            user, old, reason="Renewed for the mentoring match", authorised_by="coordinate_mentoring"
        )
    before = audit.snapshot(current)
    current.access_grant = _grant_for_match(user, current.mentor, current.child)
    _save(user, current, before)
    return current


@transaction.atomic
def end_match(user: User, match: Match, *, ended_on: date | None, reason: str, note: str = "") -> Match:
    """End a match; the mentor's access to the young person ends at once."""
    _coordinate(user)
    current = Match.objects.select_for_update().select_related("mentor", "child", "referral").get(pk=match.pk)
    if current.mentor.agency_id not in coordinated_agencies(user):
        raise PermissionDenied("This match belongs to another mentoring network.")
    if current.ended_on is not None:
        raise ValidationError({"reason": "This match has already ended"})
    if reason not in EndReason.values:
        raise ValidationError({"reason": "Choose why the match is ending"})
    if reason == EndReason.OTHER and not (note or "").strip():
        raise ValidationError({"note": "Enter why the match is ending"})
    _not_future(ended_on, "ended_on", "the match ended")
    assert ended_on is not None  # checked above
    if ended_on < current.started_on:
        raise ValidationError({"ended_on": "The match cannot end before it started"})
    before = audit.snapshot(current)
    current.ended_on = ended_on
    current.end_reason = reason
    current.end_note = (note or "").strip()
    current.ended_by = user
    _save(user, current, before)
    if current.access_grant_id is not None:
        grant = current.access_grant
        assert grant is not None  # the id is set
        if grant.ended_at is None:
            access_services.end_access_grant(
                user,
                grant,
                reason=f"Mentoring match ended: {EndReason(reason).label.lower()}",
                authorised_by="coordinate_mentoring",
            )
    referral = MentoringReferral.objects.select_for_update().get(pk=current.referral_id)
    if referral.status == ReferralStatus.MATCHED:
        referral_before = audit.snapshot(referral)
        referral.status = ReferralStatus.CLOSED
        referral.closed_on = ended_on
        referral.status_changed_on = ended_on
        _save(user, referral, referral_before)
    _tell(
        lead_professional_for(current.child, referral),
        f"{current.child.reference}'s community mentoring match ended on {ended_on:%-d %B %Y} "
        f"({EndReason(reason).label.lower()})",
        reverse("cases:child_detail", args=[current.child_id]),
    )
    return current


# Sessions and concerns ----------------------------------------------------------------------------


@transaction.atomic
def log_session(
    user: User,
    match: Match,
    *,
    held_on: date | None,
    duration_minutes: int | None,
    activity: str,
    place_type: str,
    attended: bool | None,
    mood: int | None = None,
    note: str = "",
) -> MentoringSession:
    """A session the mentor had (or that the young person did not come to)."""
    policy.require(user, "log_mentoring_session", match, "Only the young person's mentor can log a session.")
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if held_on is None:
        errors["held_on"] = "Enter the date of the session"
    elif held_on > today:
        errors["held_on"] = "The session date must be today or in the past"
    elif held_on < match.started_on:
        errors["held_on"] = f"The session date must be on or after the match started ({match.started_on:%-d %B %Y})"
    if duration_minutes is None:
        errors["duration_minutes"] = "Enter how long the session lasted, in minutes"
    elif duration_minutes <= 0:
        errors["duration_minutes"] = "The session must last at least 1 minute"
    elif duration_minutes > MAX_SESSION_MINUTES:
        errors["duration_minutes"] = "A session can last at most 12 hours (720 minutes)"
    if not (activity or "").strip():
        errors["activity"] = "Enter what you did"
    if attended is None:
        errors["attended"] = "Say whether the young person came"
    if errors:
        raise ValidationError(errors)
    return audit.create_audited(
        user,
        MentoringSession,
        match=match,
        held_on=held_on,
        duration_minutes=duration_minutes,
        activity=activity.strip(),
        place_type=place_type,
        attended=bool(attended),
        mood=mood if attended else None,
        note=(note or "").strip(),
        recorded_by=user,
    )


@transaction.atomic
def raise_concern(user: User, match: Match, *, what_happened: str) -> Concern:
    """The mentor's words go at once to the lead professional (a notification and a task due
    within a day) and into the young person's chronology, for the agencies working with them."""
    policy.require(user, "log_mentoring_session", match, "Only the young person's mentor can raise a concern here.")
    words = (what_happened or "").strip()
    if not words:
        raise ValidationError({"what_happened": "Enter what you saw or heard"})
    if len(words) > 3000:
        raise ValidationError({"what_happened": "What happened must be 3000 characters or fewer"})
    child = match.child
    now = timezone.now()
    event = audit.create_audited(
        user,
        ChronologyEvent,
        child=child,
        occurred_on=timezone.localdate(),
        kind=EventKind.DISCLOSURE,
        summary="Concern raised by a community mentor",
        detail=words,
        source_agency=match.mentor.agency,
        recorded_by=user,
    )
    event_recorded.send(sender=ChronologyEvent, event=event, user=user)
    lead = lead_professional_for(child, match.referral)
    task = audit.create_audited(
        user,
        Task,
        kind=TaskKind.OTHER,
        title=f"Respond to a mentor's concern ({child.reference})",
        child=child,
        agency=lead_agency_for(child, lead, match.mentor.agency),
        assignee=lead,
        due_at=now + timedelta(hours=CONCERN_TASK_HOURS),
        source_event=event,
    )
    concern = audit.create_audited(
        user,
        Concern,
        match=match,
        child=child,
        raised_by=user,
        raised_at=now,
        what_happened=words,
        event=event,
        task=task,
        told=lead,
    )
    link = reverse("interventions:task_detail", args=[task.pk])
    notify(lead, NotificationKind.MENTOR_CONCERN, f"A community mentor raised a concern about {child.reference}", link)
    coordinators = Membership.objects.active().filter(agency_id=match.mentor.agency_id, role=Role.MENTORING_COORDINATOR)
    for membership in coordinators.select_related("user"):
        _tell(membership.user, f"A mentor raised a concern about {child.reference}")
    return concern
