from django.urls import path

from cohorts.views import decisions as views

urlpatterns = [
    path("", views.cohort_home, name="cohort_home"),
    path("children/<int:pk>/", views.child_cohort, name="child_cohort"),
    path("children/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("children/<int:pk>/decide/", views.decide, name="decide"),
    path("children/<int:pk>/take-on/", views.take_on, name="take_on"),
    path("nominations/<int:pk>/withdraw/", views.withdraw_nomination, name="withdraw_nomination"),
    path("fairness/", views.fairness, name="fairness"),
    path("model/", views.model_description, name="model"),
    path("settings/", views.switch, name="settings"),
]
