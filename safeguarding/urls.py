from django.http import HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from access.admin import site as admin_site
from accounts import api as accounts_api
from cases import api as cases_api
from cases.views import children as case_views
from cohorts import api as cohorts_api
from dashboards import api as dashboards_api
from feeds import api as feeds_api
from interventions import api as interventions_api
from mentoring import api as mentoring_api
from outreach import api as outreach_api

router = SimpleRouter()
router.register("children", cases_api.ChildViewSet, basename="child")
router.register("families", cases_api.FamilyViewSet, basename="family")
router.register("contexts", cases_api.ContextViewSet, basename="context")
router.register("referrals", cases_api.ReferralViewSet, basename="referral")
router.register("context-assessments", cases_api.ContextAssessmentViewSet, basename="context-assessment")
router.register("context-plans", cases_api.ContextPlanViewSet, basename="context-plan")
router.register("access-grants", cases_api.AccessGrantViewSet, basename="access-grant")
for area in (
    interventions_api.work,
    interventions_api.panels,
    interventions_api.police,
    interventions_api.missing,
    cohorts_api.runs,
    feeds_api,
    cohorts_api.decisions,
    mentoring_api,
    outreach_api,
):
    for prefix, viewset, basename in area.ROUTES:
        router.register(prefix, viewset, basename=basename)


def healthz(_request):
    return HttpResponse("ok", content_type="text/plain")


api_urlpatterns = [
    path("me/", accounts_api.me, name="me"),
    path("dashboard/", dashboards_api.dashboard_figures, name="dashboard-figures"),
    *router.urls,
]

urlpatterns = [
    path("", case_views.home, name="home"),
    path("", include("cases.urls")),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("oversight.urls")),
    path("", include("interventions.urls")),
    path("cohort/", include("cohorts.urls")),
    path("cohort/", include("feeds.urls")),
    path("mentoring/", include("mentoring.urls")),
    path("", include("outreach.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("admin/", admin_site.urls),
    path("api/v1/", include((api_urlpatterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("healthz", healthz, name="healthz"),
]

handler400 = "safeguarding.errors.bad_request"
handler404 = "safeguarding.errors.page_not_found"
handler500 = "safeguarding.errors.server_error"
handler403 = "safeguarding.errors.permission_denied"
