from django.urls import path

from interventions.views import work

urlpatterns = [
    path("interventions/", work.intervention_list, name="intervention_list"),
    path("interventions/<int:pk>/", work.intervention_detail, name="intervention_detail"),
    path("interventions/<int:pk>/edit/", work.intervention_edit, name="intervention_edit"),
    path("interventions/<int:pk>/close/", work.intervention_close, name="intervention_close"),
    path("children/<int:pk>/interventions/new/", work.child_intervention_create, name="child_intervention_create"),
    path("families/<int:pk>/interventions/new/", work.family_intervention_create, name="family_intervention_create"),
    path("contexts/<int:pk>/interventions/new/", work.context_intervention_create, name="context_intervention_create"),
    path("families/<int:pk>/plans/new/", work.family_plan_create, name="family_plan_create"),
    path("family-plans/<int:pk>/", work.family_plan_detail, name="family_plan_detail"),
    path("family-plans/<int:pk>/goals/new/", work.family_plan_goal_create, name="family_plan_goal_create"),
    path("family-plans/<int:pk>/reviews/new/", work.family_plan_review_create, name="family_plan_review_create"),
]
