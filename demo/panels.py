"""Demo data for panels: the weekly exploitation panel chaired by the youth justice manager, ten past
meetings discussing 207 distinct children, actions (some overdue), and missing episodes with
their return home interviews and tasks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Agency, User
from cases.models import Child, ChronologyEvent, Context, EventKind, Involvement
from demo import accounts as accounts_demo
from interventions.models import (
    ActionStatus,
    AgendaItem,
    InterviewOutcome,
    MissingEpisode,
    Panel,
    PanelAction,
    PanelMeeting,
    ReturnHomeInterview,
    RiskGrading,
    Task,
    TaskKind,
    TaskStatus,
)

PANEL_NAME = "Weekly exploitation panel"
MEETINGS = 10
PER_MEETING = 27  # children per meeting; consecutive meetings overlap by seven
STEP = 20
DISCUSSED = STEP * (MEETINGS - 1) + PER_MEETING  # 207 children, as in the briefing
PANEL_AGENCIES = (accounts_demo.CHILDRENS_SERVICES, accounts_demo.YOUTH_JUSTICE)
WORRYING = (EventKind.WEAPON_OFFENCE, EventKind.ARREST, EventKind.MISSING_EPISODE)
DECISIONS = (
    "Keep in the cohort; review at the next panel",
    "Refer for a return home interview and a mentoring offer",
    "Strategy discussion to be convened by children's services",
    "Step down to early help with school support",
    "Share information with the police disruption team",
)
ACTIONS = (
    ("caseworker", accounts_demo.CHILDRENS_SERVICES, "Convene a strategy discussion"),
    ("police", accounts_demo.POLICE, "Visit the location and consider a closure notice"),
    ("manager", accounts_demo.YOUTH_JUSTICE, "Allocate a youth justice worker"),
    ("voluntary", accounts_demo.SAFER_STREETS, "Offer detached youth work sessions"),
)


def seed(agencies: dict[str, Agency], users: dict[str, User], today: date) -> int:
    """Create the panel and its meetings once. Returns the number of meetings created (0 if present)."""
    panel, _ = Panel.objects.get_or_create(
        name=PANEL_NAME, defaults={"chair_agency": agencies[accounts_demo.YOUTH_JUSTICE]}
    )
    if panel.meetings.exists():
        return 0
    # The young people children's services or youth justice work with: their workers bring them.
    # those with a weapon offence, an arrest or a missing episode on record first.
    # EXISTS rather than a join and DISTINCT: with parameters bound on the server, PostgreSQL
    # cannot match a DISTINCT query's ORDER BY expression to the same one in its select list.
    worked_with = Involvement.objects.filter(
        child=OuterRef("pk"), agency__in=[agencies[name] for name in PANEL_AGENCIES]
    )
    worrying = ChronologyEvent.objects.filter(child=OuterRef("pk"), kind__in=WORRYING)
    children = list(
        Child.objects.filter(Exists(worked_with))
        .order_by(Exists(worrying).desc(), "reference")
        .values_list("pk", flat=True)[:DISCUSSED]
    )
    contexts = list(
        Context.objects.filter(kind__in=["location", "peer_group"])
        .order_by("reference")
        .values_list("pk", flat=True)[:MEETINGS]
    )
    present = [
        agencies[name]
        for name in (
            accounts_demo.CHILDRENS_SERVICES,
            accounts_demo.YOUTH_JUSTICE,
            accounts_demo.POLICE,
            accounts_demo.SAFER_STREETS,
        )
        if name in agencies
    ]
    chair = users["manager"]
    for index in range(MEETINGS):
        held_on = today - timedelta(days=7 * (MEETINGS - index))
        meeting = PanelMeeting.objects.create(
            panel=panel,
            held_on=held_on,
            chair=chair,
            notes="Quorate. Standing items: missing episodes, new referrals, locations of concern.",
        )
        meeting.agencies_present.set(present)
        chunk = children[index * STEP : index * STEP + PER_MEETING]
        items = AgendaItem.objects.bulk_create(
            [
                AgendaItem(
                    meeting=meeting,
                    child_id=child_id,
                    discussion="Update from each agency present.",
                    decision=DECISIONS[(index + position) % len(DECISIONS)],
                )
                for position, child_id in enumerate(chunk)
            ]
        )
        if index < len(contexts):
            AgendaItem.objects.create(
                meeting=meeting,
                context_id=contexts[index],
                discussion="Location reviewed.",
                decision="Keep under review",
            )
        actions = []
        for position, (username, agency_name, description) in enumerate(ACTIONS):
            if username not in users or agency_name not in agencies:
                continue
            due_on = held_on + timedelta(days=14)
            # Older actions are done; the recent ones are open, so some of them are overdue.
            done = index < MEETINGS - 4 and position != 2
            actions.append(
                PanelAction(
                    meeting=meeting,
                    agenda_item=items[position] if position < len(items) else None,
                    description=description,
                    owner=users[username],
                    owner_agency=agencies[agency_name],
                    due_on=due_on,
                    status=ActionStatus.DONE if done else ActionStatus.OPEN,
                    completed_on=due_on - timedelta(days=2) if done else None,
                )
            )
        PanelAction.objects.bulk_create(actions)
    _seed_tasks(agencies, users, today, children)
    return MEETINGS


def _seed_tasks(agencies, users, today, children) -> None:
    """Missing episodes of the first council children: two back recently with their return home
    interview due (one overdue), and four earlier ones with an interview recorded (two within 72
    hours, one late, one declined), so the 72-hour figure comes from live records."""
    agency = agencies.get(accounts_demo.CHILDRENS_SERVICES)
    caseworker = users.get("caseworker")
    if agency is None or caseworker is None or not children:
        return
    midday = timezone.make_aware(datetime.combine(today, time(12)))
    council_children = list(
        Child.objects.filter(involvements__agency=agency).order_by("reference").values_list("pk", "reference")[:6]
    )
    # (hours before midday the child came back, hours after the return the interview was held or None
    # for no interview yet, declined)
    plans = (
        (80, None, False),
        (20, None, False),
        (400, 30, False),
        (700, 50, False),
        (900, 100, False),
        (1200, 20, True),
    )
    for (child_id, reference), (back, held_after, declined) in zip(council_children, plans, strict=False):
        returned_at = midday - timedelta(hours=back)
        episode = MissingEpisode.objects.create(
            child_id=child_id,
            reported_missing_at=returned_at - timedelta(hours=14),
            risk_grading=RiskGrading.MEDIUM,
            police_reference=f"MP/{child_id:04d}/{today:%y}",
            returned_at=returned_at,
            where_found="Found by police at the bus station",
            agency=agency,
            recorded_by=caseworker,
            return_recorded_by=caseworker,
        )
        task = Task.objects.create(
            kind=TaskKind.RETURN_HOME_INTERVIEW,
            title=f"Offer a return home interview ({reference})",
            child_id=child_id,
            agency=agency,
            assignee=caseworker,
            due_at=episode.interview_due_at,
            missing_episode=episode,
        )
        if held_after is None and not declined:
            continue
        offered_at = returned_at + timedelta(hours=6)
        ReturnHomeInterview.objects.create(
            episode=episode,
            offered_at=offered_at,
            conducted_by="Independent return home interviewer, Safer Streets",
            outcome=InterviewOutcome.DECLINED if declined else InterviewOutcome.ACCEPTED,
            held_at=None if declined else returned_at + timedelta(hours=held_after),
            young_person_said="" if declined else "Went to a party with older friends; did not feel safe coming home",
            push_factors="" if declined else "Arguments at home",
            pull_factors="" if declined else "Older peers offering money and a place to stay",
            recorded_by=caseworker,
        )
        Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE, closed_by=caseworker, closed_at=offered_at)
