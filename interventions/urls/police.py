"""Police pages (police officers only; 404 for everyone else)."""

from django.urls import path

from interventions.views import police as views

urlpatterns = [
    path("police/", views.police_home, name="police_home"),
    path("police/persons/", views.person_list, name="police_person_list"),
    path("police/persons/new/", views.person_create, name="police_person_create"),
    path("police/persons/<int:pk>/", views.person_detail, name="police_person_detail"),
    path("police/persons/<int:pk>/edit/", views.person_edit, name="police_person_edit"),
    path("police/disruptions/", views.disruption_list, name="police_disruption_list"),
    path("police/disruptions/new/", views.disruption_create, name="police_disruption_create"),
    path("police/intelligence/", views.intelligence_list, name="police_intelligence_list"),
    path("police/intelligence/new/", views.intelligence_create, name="police_intelligence_create"),
    path("police/intelligence/<int:pk>/", views.intelligence_detail, name="police_intelligence_detail"),
    path("police/intelligence/<int:pk>/share/", views.intelligence_share, name="police_intelligence_share"),
    # JSON for an autocomplete over the pickers' search (interventions/forms/pickers.py).
    path("police/find/children/", views.find_children, name="police_find_children"),
    path("police/find/contexts/", views.find_contexts, name="police_find_contexts"),
    path("police/find/persons/", views.find_persons, name="police_find_persons"),
]
