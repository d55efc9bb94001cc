"""The /api/v1/ endpoints for case records, one module per area; the same policy and audit as the
pages (see access.api and safeguarding.api)."""

from cases.api.assessments import ContextAssessmentViewSet, ContextPlanViewSet
from cases.api.children import ChildViewSet
from cases.api.contexts import ContextViewSet
from cases.api.families import FamilyViewSet
from cases.api.grants import AccessGrantViewSet
from cases.api.referrals import ReferralViewSet

__all__ = [
    "AccessGrantViewSet",
    "ChildViewSet",
    "ContextAssessmentViewSet",
    "ContextPlanViewSet",
    "ContextViewSet",
    "FamilyViewSet",
    "ReferralViewSet",
]
