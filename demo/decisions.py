"""Demo human decisions for the cohort: a panel decision confirming a suggestion at the weekly
exploitation panel, a nomination the panel then moved to another tier, and a nomination waiting for
the panel. Run after the demo recalculation (so there are suggestions to confirm) and the panel
demo. Made through the services, so the rules and the audit trail are the real ones. Safe to run
again: it does nothing once any tier decision exists."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from cases.models import Child
from cohorts.models import (
    ChildTier,
    CurrentSuggestion,
    DecisionOutcome,
    Nomination,
    NominationStatus,
    Suggestion,
    Tier,
    TierDecision,
)
from cohorts.services import decisions as services
from demo.panels import PANEL_NAME
from interventions.models import AgendaItem, PanelMeeting

CONFIRM_REASON = (
    "Panel agreed with the suggestion: repeated missing episodes and a weapon found at the bus station. "
    "Youth justice to lead, with a mentoring offer."
)
NOMINATION_REASON = (
    "Seen several times late at night with older young people at the retail park; school report a sudden "
    "change in friendships and new clothes and phone. Nothing yet recorded by other agencies."
)
CHANGE_NOMINATION_REASON = "Mother worried about a new older boyfriend; two short missing episodes reported to me."
TIER_TARGETS = {Tier.MOST_VULNERABLE: 64, Tier.VULNERABLE: 38, Tier.CAUSE_FOR_CONCERN: 93}
PANEL_REASONS = {
    Tier.MOST_VULNERABLE: "Panel agreed: the risk of criminal exploitation is high and current. Lead professional "
    "to convene a strategy discussion; police disruption at the linked locations.",
    Tier.VULNERABLE: "Panel agreed: several agencies hold concerns that point to exploitation. Team around the "
    "family, mentoring offer and school support.",
    Tier.CAUSE_FOR_CONCERN: "Panel agreed: early signs that need watching. Lead professional to review with the "
    "family and school within six weeks.",
}
CHANGE_REASON = "Panel agreed there is a concern but not yet the level of the vulnerable cohort; review in six weeks."


def _users() -> dict[str, User]:
    return {user.username: user for user in User.objects.filter(username__in=["caseworker", "manager"])}


def _latest_meeting(user: User):
    return (
        PanelMeeting.objects.visible_to(user)
        .filter(panel__name=PANEL_NAME, held_on__lte=timezone.localdate())
        .order_by("-held_on", "-id")
        .first()
    )


def load_demo_decisions() -> int:
    """Returns the number of decisions and nominations made (0 if already present or no personas)."""
    if TierDecision.objects.exists():
        return 0
    users = _users()
    manager, caseworker = users.get("manager"), users.get("caseworker")
    if manager is None or caseworker is None:
        return 0
    made = 0
    meeting = _latest_meeting(manager)
    manager_children = Child.objects.visible_to(manager).values("pk")
    caseworker_children = Child.objects.visible_to(caseworker)

    # 1. The panel confirms a suggestion, preferably for a young person on the meeting's agenda.
    suggestions = (
        Suggestion.objects.current().filter(child__in=manager_children).exclude(tier="").select_related("child")
    )
    if meeting is not None:
        on_agenda = AgendaItem.objects.filter(meeting=meeting, child__isnull=False).values("child")
        suggestion = suggestions.filter(child__in=on_agenda).order_by("-score", "child_id").first()
    else:
        suggestion = None
    suggestion = suggestion or suggestions.order_by("-score", "child_id").first()
    used = set()
    if suggestion is not None:
        services.record_decision(
            manager,
            suggestion.child,
            outcome="confirm",
            reason=CONFIRM_REASON,
            suggestion=suggestion,
            panel_meeting=meeting,
        )
        used.add(suggestion.child_id)
        made += 1

    # 2. A caseworker's nomination (professional judgement) that the panel moved to another tier,
    # and 3. one still waiting for the panel: young people with no suggestion (the emerging cohort).
    suggested = Suggestion.objects.current().exclude(tier="").values("child")
    candidates = list(
        caseworker_children.exclude(pk__in=suggested)
        .exclude(pk__in=used)
        .exclude(cohort_nominations__status=NominationStatus.OPEN)
        .order_by("reference")[:2]
    )
    caseworker_meeting = _latest_meeting(caseworker)
    if candidates:
        child = candidates[0]
        nomination = services.nominate(caseworker, child, Tier.VULNERABLE, CHANGE_NOMINATION_REASON)
        services.record_decision(
            caseworker,
            child,
            outcome="change",
            tier=Tier.CAUSE_FOR_CONCERN,
            reason=CHANGE_REASON,
            nomination=nomination,
            panel_meeting=caseworker_meeting,
        )
        made += 2
    if len(candidates) > 1:
        services.nominate(caseworker, candidates[1], Tier.CAUSE_FOR_CONCERN, NOMINATION_REASON)
        made += 1
    return made + _panel_tiers(users, waiting=candidates[1:2])


def _panel_tiers(users: dict[str, User], waiting: list[Child]) -> int:
    """The panel's decisions on the young people it discussed, up to the briefing's cohort (64 most
    vulnerable, 38 in the vulnerable cohort, 93 cause for concern): the highest current scores to the
    highest tier, each decided at the meeting that discussed them by whoever's agency works with
    them (the chair for youth justice's young people, else the children's services caseworker).
    A suggestion of the same tier is confirmed; otherwise the panel changes it."""
    have = dict(ChildTier.objects.order_by().values_list("tier").annotate(n=Count("pk")))
    wanted = {tier: max(0, target - have.get(tier, 0)) for tier, target in TIER_TARGETS.items()}
    discussed = AgendaItem.objects.filter(meeting__panel__name=PANEL_NAME, child__isnull=False)
    last_meeting = dict(discussed.order_by("child_id", "meeting__held_on").values_list("child_id", "meeting_id"))
    scores = {
        child_id: score
        for child_id, score in CurrentSuggestion.objects.filter(child_id__in=list(last_meeting)).values_list(
            "child_id", "score"
        )
    }
    skip = set(ChildTier.objects.values_list("child_id", flat=True)) | {child.pk for child in waiting}
    skip |= set(Nomination.objects.filter(status=NominationStatus.OPEN).values_list("child_id", flat=True))
    order = sorted((pk for pk in last_meeting if pk not in skip), key=lambda pk: (-scores.get(pk, 0), pk))
    deciders = [users["manager"], users["caseworker"]]
    visible = {user.pk: set(Child.objects.visible_to(user).values_list("pk", flat=True)) for user in deciders}
    meetings = PanelMeeting.objects.in_bulk(set(last_meeting.values()))
    children = Child.objects.in_bulk(order)
    made = 0
    for pk in order:
        tier = next((tier for tier in TIER_TARGETS if wanted[tier]), None)
        if tier is None:
            break
        decider = next((user for user in deciders if pk in visible[user.pk]), None)
        if decider is None:
            continue
        child = children[pk]
        suggestion = services.current_suggestion(child)
        meeting = meetings[last_meeting[pk]]
        confirm = suggestion is not None and suggestion.tier == tier
        services.record_decision(
            decider,
            child,
            outcome=DecisionOutcome.CONFIRM if confirm else DecisionOutcome.CHANGE,
            tier="" if confirm else tier,
            reason=PANEL_REASONS[tier],
            suggestion=suggestion,
            panel_meeting=meeting if PanelMeeting.objects.visible_to(decider).filter(pk=meeting.pk).exists() else None,
        )
        wanted[tier] -= 1
        made += 1
    return made
