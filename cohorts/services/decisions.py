"""Human decisions about the cohort: nominations and panel decisions.

A recorded panel decision is the ONLY thing that changes a child's tier: `record_decision` is the
one writer of ChildTier (runs publish suggestions, never tiers). Every write checks the policy,
runs in one transaction and is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.policy import acting_agency, require
from accounts.models import Notification
from audit import services as audit
from audit.models import AuditAction
from cases.models import Child
from cohorts.models import (
    ChildTier,
    CohortSettings,
    DecisionOutcome,
    Nomination,
    NominationStatus,
    Suggestion,
    Tier,
    TierDecision,
)

if TYPE_CHECKING:
    from accounts.models import User
    from interventions.models import PanelMeeting

REASON_MAX = 5000
OPEN_NOMINATION_MESSAGE = (
    "This young person already has a nomination waiting for the panel. The panel decides it, or the "
    "person who made it can withdraw it, before a new one is made"
)
TIER_MESSAGE = "Choose a tier"


def _reason(reason: str, message: str, max_length: int = REASON_MAX) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    if len(reason) > max_length:
        raise ValidationError({"reason": f"The reason must be {max_length} characters or fewer"})
    return reason


def open_nomination(child: Child) -> Nomination | None:
    return Nomination.objects.filter(child=child, status=NominationStatus.OPEN).first()


# Nominations ------------------------------------------------------------------------------------


def nominate(user: User, child: Child, tier: str, reason: str) -> Nomination:
    """A practitioner's professional judgement that a child belongs in a tier (the emerging
    cohort). One open nomination per child."""
    require(user, "nominate", child, "You cannot nominate this young person.")
    if tier not in Tier.values:
        raise ValidationError({"tier": TIER_MESSAGE})
    reason = _reason(reason, "Enter why you are nominating this young person")
    agency = acting_agency(user)
    try:
        with transaction.atomic():
            if Nomination.objects.select_for_update().filter(child=child, status=NominationStatus.OPEN).exists():
                raise ValidationError({"__all__": OPEN_NOMINATION_MESSAGE})
            nomination = Nomination.objects.create(
                child=child, tier=tier, reason=reason, nominated_by=user, agency=agency
            )
            audit.record_write(user, AuditAction.CREATE, nomination, before=None, after=audit.snapshot(nomination))
    except IntegrityError as error:  # a nomination made at the same moment by someone else
        raise ValidationError({"__all__": OPEN_NOMINATION_MESSAGE}) from error
    return nomination


WITHDRAW_REASON_MESSAGE = "Enter why you are withdrawing this nomination"
ALREADY_DECIDED_MESSAGE = (
    "The panel has already decided this nomination, so it cannot be withdrawn. Only a new panel decision "
    "changes the tier"
)
ALREADY_WITHDRAWN_MESSAGE = "This nomination has already been withdrawn"


def can_withdraw(user: User, nomination: Nomination) -> bool:
    """Whether to offer 'Withdraw nomination' (policy: withdraw_nomination) on an open nomination."""
    return nomination.status == NominationStatus.OPEN and policy.can(user, "withdraw_nomination", nomination)


def _check_open(nomination: Nomination) -> None:
    if nomination.status == NominationStatus.DECIDED:
        raise ValidationError({"__all__": ALREADY_DECIDED_MESSAGE})
    if nomination.status == NominationStatus.WITHDRAWN:
        raise ValidationError({"__all__": ALREADY_WITHDRAWN_MESSAGE})


def withdraw_nomination(user: User, nomination: Nomination, reason: str) -> Nomination:
    """The person who nominated, or someone who may decide tiers for the child, withdraws an open
    nomination, saying why. It is kept (status withdrawn, with who, when and why) as part of the
    history and no longer counts as open. It never changes the child's tier: only panel decisions do."""
    if not policy.can(user, "withdraw_nomination", nomination):
        raise PermissionDenied(
            "Only the person who made the nomination, or someone who may record panel decisions for this "
            "young person, can withdraw it."
        )
    _check_open(nomination)
    reason = _reason(reason, WITHDRAW_REASON_MESSAGE)
    with transaction.atomic():
        current = Nomination.objects.select_for_update().get(pk=nomination.pk)
        _check_open(current)  # a panel may have decided it, or someone withdrawn it, meanwhile
        before = audit.snapshot(current)
        current.status = NominationStatus.WITHDRAWN
        current.withdrawn_by = user
        current.withdrawn_at = timezone.now()
        current.withdrawal_reason = reason
        current.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
        audit.record_write(
            user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current), reason=reason
        )
    return current


# Panel decisions --------------------------------------------------------------------------------


def current_suggestion(child: Child) -> Suggestion | None:
    """The child's suggestion in the published chain (blank tier when below the threshold)."""
    return Suggestion.objects.current_for(child).select_related("run__scoring_model").first()


def proposal(child: Child) -> tuple[Suggestion | None, Nomination | None]:
    """What a panel is asked to decide: the current suggestion (when it names a tier) and the open
    nomination."""
    suggestion = current_suggestion(child)
    if suggestion is not None and not suggestion.tier:
        suggestion = None
    nomination = (
        Nomination.objects.filter(child=child, status=NominationStatus.OPEN)
        .select_related("nominated_by", "agency")
        .first()
    )
    return suggestion, nomination


def proposed_tier(suggestion: Suggestion | None, nomination: Nomination | None) -> str:
    """What 'confirm' confirms. When a suggestion and a nomination propose different tiers there is
    nothing single to confirm (the panel chooses 'change' and names the tier)."""
    tiers = {item.tier for item in (suggestion, nomination) if item is not None and item.tier}
    if len(tiers) == 1:
        return tiers.pop()
    return ""


def _notify_lead(user: User, child: Child, decision: TierDecision) -> None:
    lead_id = child.lead_professional_id
    if lead_id is None or lead_id == user.pk:
        return
    what = decision.get_tier_display() if decision.tier else "not in a cohort tier"
    Notification.objects.create(
        user_id=lead_id,
        message=f"Cohort panel decision for {child.reference}: {what}",
        link=reverse("cohorts:child_cohort", args=[child.pk]),
    )


def record_decision(
    user: User,
    child: Child,
    *,
    outcome: str,
    tier: str = "",
    reason: str,
    suggestion: Suggestion | None = None,
    nomination: Nomination | None = None,
    panel_meeting: PanelMeeting | None = None,
) -> TierDecision:
    """Confirm, change or reject a proposed tier. Writes the decision (tier history), sets the
    child's current tier to match in the same transaction, closes the nomination and tells the
    child's lead professional."""
    from interventions.models import PanelMeeting

    require(user, "decide_tier", child, "You cannot record a tier decision for this young person.")
    errors: dict[str, str] = {}
    if suggestion is not None and suggestion.child_id != child.pk:
        errors["suggestion"] = "Choose a suggestion about this young person"
    if nomination is not None and nomination.child_id != child.pk:
        errors["nomination"] = "Choose a nomination of this young person"
    elif nomination is not None and nomination.status != NominationStatus.OPEN:
        errors["nomination"] = "This nomination has already been decided or withdrawn"
    proposed = proposed_tier(suggestion, nomination)
    tier = tier or ""
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = "Choose confirm, change or reject"
    elif outcome == DecisionOutcome.CONFIRM:
        if suggestion is None and nomination is None:
            errors["outcome"] = "There is no suggested or nominated tier to confirm: choose change and pick a tier"
        elif not proposed:
            errors["outcome"] = (
                "The suggestion and the nomination propose different tiers: choose change and pick the tier"
            )
        elif tier and tier != proposed:
            errors["tier"] = "To confirm, keep the proposed tier; to use another tier, choose change"
        tier = proposed
    elif outcome == DecisionOutcome.CHANGE:
        if tier not in Tier.values:
            errors["tier"] = "Choose the tier the panel decided"
        elif proposed and tier == proposed:
            errors["tier"] = "Choose a tier different from the one proposed, or choose confirm"
    else:  # reject
        tier = ""
    try:
        reason = _reason(reason, "Enter the reason for the decision")
    except ValidationError as error:
        errors.update({key: value[0] for key, value in error.message_dict.items()})
    if panel_meeting is not None and not PanelMeeting.objects.visible_to(user).filter(pk=panel_meeting.pk).exists():
        errors["panel_meeting"] = "Choose a panel meeting you can see"
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # One decision at a time per child: lock the child's row (there may be no tier row yet).
        Child.objects.select_for_update().filter(pk=child.pk).values_list("pk", flat=True).first()
        current = ChildTier.objects.select_for_update().filter(child=child).first()
        if nomination is not None:
            nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
            if nomination.status != NominationStatus.OPEN:
                raise ValidationError({"nomination": "This nomination has already been decided or withdrawn"})
        decision = TierDecision(
            child=child,
            outcome=outcome,
            proposed_tier=proposed,
            tier=tier,
            previous_tier=current.tier if current else "",
            suggestion=suggestion,
            nomination=nomination,
            panel_meeting=panel_meeting,
            reason=reason,
            decided_by=user,
        )
        decision.full_clean()
        decision.save()
        audit.record_write(user, AuditAction.CREATE, decision, before=None, after=audit.snapshot(decision))
        _apply_tier(user, child, decision, current)
        if nomination is not None:
            before = audit.snapshot(nomination)
            nomination.status = NominationStatus.DECIDED
            nomination.save(update_fields=["status"])
            audit.record_write(user, AuditAction.UPDATE, nomination, before=before, after=audit.snapshot(nomination))
        _notify_lead(user, child, decision)
    return decision


def _apply_tier(user: User, child: Child, decision: TierDecision, current: ChildTier | None) -> None:
    """Make ChildTier say what the decision says (the only place ChildTier is written)."""
    if not decision.tier:
        if current is not None:
            before = audit.snapshot(current)
            audit.record_write(user, AuditAction.DELETE, current, before=before, after=None)
            current.delete()
        return
    if current is None:
        row = ChildTier.objects.create(child=child, tier=decision.tier, decision=decision, since=decision.decided_at)
        audit.record_write(user, AuditAction.CREATE, row, before=None, after=audit.snapshot(row))
        return
    before = audit.snapshot(current)
    if current.tier != decision.tier:
        current.since = decision.decided_at
    current.tier = decision.tier
    current.decision = decision
    current.save()
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current))


# The switch --------------------------------------------------------------------------------------


def set_suggestions_enabled(user: User, enabled: bool, reason: str) -> CohortSettings:
    """Turn automatic suggestions off or on. Nominations, decisions and tiers are not touched:
    runs made while suggestions are off record that and publish no suggestions."""
    require(user, "switch_suggestions", None, "You cannot switch suggestions on or off.")
    reason = _reason(reason, "Enter why you are switching suggestions " + ("on" if enabled else "off"), 1000)
    with transaction.atomic():
        settings_row = CohortSettings.objects.select_for_update().get_or_create(pk=CohortSettings.ROW_ID)[0]
        if settings_row.suggestions_enabled == enabled:
            raise ValidationError({"enabled": "Suggestions are already " + ("on" if enabled else "off")})
        before = audit.snapshot(settings_row)
        settings_row.suggestions_enabled = enabled
        settings_row.changed_by = user
        settings_row.changed_at = timezone.now()
        settings_row.reason = reason
        settings_row.save()
        audit.record_write(
            user, AuditAction.UPDATE, settings_row, before=before, after=audit.snapshot(settings_row), reason=reason
        )
    return settings_row
