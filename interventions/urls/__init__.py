"""Interventions, panels and police pages, one module per area, under the 'interventions' namespace."""

from interventions.urls import panels, police, work

app_name = "interventions"
urlpatterns = [*work.urlpatterns, *panels.urlpatterns, *police.urlpatterns]
