from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from access.policy import acting_agency, require
from audit.services import create_audited, update_versioned
from cases.models import Child, ChronologyEvent, Context, EventKind, Referral, ReferralDecision, ReferralStatus

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def create_referral(user: User, subject: Child | Context, **fields: Any) -> Referral:
    """Record a referral about a child or a context, open its decision trail and put it in the chronology."""
    if isinstance(subject, Child):
        require(user, "change_child", subject, "You cannot refer this young person.")
        target: dict[str, Child | Context] = {"child": subject}
    else:
        require(user, "change_context", subject, "You cannot refer this context.")
        target = {"context": subject}
    agency = acting_agency(user, fields.pop("referrer_agency", None))
    referral = create_audited(user, Referral, referrer_agency=agency, referred_by=user, **target, **fields)
    create_audited(
        user,
        ReferralDecision,
        referral=referral,
        status=ReferralStatus.RECEIVED,
        reason="Referral received",
        decided_by=user,
    )
    create_audited(
        user,
        ChronologyEvent,
        occurred_on=referral.received_on,
        kind=EventKind.REFERRAL,
        summary=f"Referral: {referral.get_category_display()}",
        source_agency=agency,
        recorded_by=user,
        **target,
    )
    return referral


@transaction.atomic
def decide_referral(
    user: User, referral: Referral, *, status: str, reason: str, outcome: str = "", expected_version: int | None = None
) -> Referral:
    require(user, "decide_referral", referral, "Only a caseworker or manager can decide on a referral.")
    if status == ReferralStatus.RECEIVED:
        raise ValidationError({"status": "Choose a decision"})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the decision"})
    updated = update_versioned(
        user,
        referral,
        {"status": status, "outcome": outcome or referral.outcome},
        expected_version=expected_version,
        fields=("status", "outcome"),
    )
    create_audited(user, ReferralDecision, referral=updated, status=status, reason=reason, decided_by=user)
    return updated
