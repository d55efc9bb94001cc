"""Demo human decisions for the cohort: a panel decision confirming a suggestion at the weekly
exploitation panel, a nomination the panel then moved to another tier, and a nomination waiting for
the panel. Run after the demo recalculation (so there are suggestions to confirm) and the panel
demo. Made through the services, so the rules and the audit trail are the real ones. Safe to run
again: it does nothing once any tier decision exists."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from cases.models import Child
from cohorts.models import NominationStatus, Suggestion, Tier, TierDecision
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
    return made
