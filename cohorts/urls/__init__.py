"""Cohort pages under /cohort/, one module per area, in the 'cohorts' namespace. (The data feed pages
under /cohort/feeds/ and /cohort/reviews/ are the feeds app's: feeds/urls.py.)"""

from cohorts.urls import decisions, runs

app_name = "cohorts"
urlpatterns = [*decisions.urlpatterns, *runs.urlpatterns]
