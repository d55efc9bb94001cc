from django.urls import path

from cases.views import contexts

urlpatterns = [
    path("contexts/", contexts.context_list, name="context_list"),
    path("contexts/new/", contexts.context_create, name="context_create"),
    path("contexts/<int:pk>/", contexts.context_detail, name="context_detail"),
    path("contexts/<int:pk>/edit/", contexts.context_edit, name="context_edit"),
    path("contexts/<int:pk>/chronology/", contexts.context_chronology, name="context_chronology"),
]
