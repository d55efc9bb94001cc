"""Interventions, panels and police pages, one module per area, under the 'interventions' namespace."""

from interventions.urls import missing, panels, police, work

app_name = "interventions"
urlpatterns = [*work.urlpatterns, *missing.urlpatterns, *panels.urlpatterns, *police.urlpatterns]
