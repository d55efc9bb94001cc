"""Cohort pages under /cohort/, one module per area, in the 'cohorts' namespace."""

from cohorts.urls import decisions, feeds, runs

app_name = "cohorts"
urlpatterns = [*decisions.urlpatterns, *feeds.urlpatterns, *runs.urlpatterns]
