from cases.models.assessments import (
    AssessmentStatus,
    ContextAssessment,
    ContextPlan,
    ContextWeighting,
    PlanGoal,
    PlanResponse,
    PlanStatus,
    ResponseStatus,
)
from cases.models.children import (
    Child,
    ChildAlias,
    ChildName,
    ChildStatus,
    Involvement,
    PeerLink,
    PeerRelationship,
)
from cases.models.chronology import ChronologyEvent, EventKind
from cases.models.common import Reliability
from cases.models.contexts import Context, ContextKind, ContextLink, ContextStatus, LinkRole, LocationType
from cases.models.families import Adult, Family, FamilyFact, FamilyFactKind, FamilyMember, Relationship
from cases.models.referrals import ConcernCategory, Referral, ReferralDecision, ReferralStatus

__all__ = [
    "Adult",
    "AssessmentStatus",
    "Child",
    "ChildAlias",
    "ChildName",
    "ChildStatus",
    "ChronologyEvent",
    "ConcernCategory",
    "Context",
    "ContextAssessment",
    "ContextKind",
    "ContextLink",
    "ContextPlan",
    "ContextStatus",
    "ContextWeighting",
    "EventKind",
    "Family",
    "FamilyFact",
    "FamilyFactKind",
    "FamilyMember",
    "Involvement",
    "LinkRole",
    "LocationType",
    "PeerLink",
    "PeerRelationship",
    "PlanGoal",
    "PlanResponse",
    "PlanStatus",
    "Referral",
    "ReferralDecision",
    "ReferralStatus",
    "Relationship",
    "Reliability",
    "ResponseStatus",
]
