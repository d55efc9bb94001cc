from django.urls import path

from cases.views import assessments

urlpatterns = [
    path("contexts/<int:pk>/assessments/new/", assessments.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/edit/", assessments.assessment_edit, name="assessment_edit"),
    path("contexts/<int:pk>/plans/new/", assessments.plan_create, name="plan_create"),
    path("plans/<int:pk>/", assessments.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", assessments.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/children/", assessments.plan_children, name="plan_children"),
    path("plans/<int:pk>/goals/new/", assessments.plan_goal_create, name="plan_goal_create"),
    path("goals/<int:pk>/responses/new/", assessments.plan_response_create, name="plan_response_create"),
    path("responses/<int:pk>/status/", assessments.plan_response_status, name="plan_response_status"),
]
