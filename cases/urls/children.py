from django.urls import path

from cases.views import children

urlpatterns = [
    path("children/new/", children.child_create, name="child_create"),
    path("children/search/", children.child_search, name="child_search"),
    path("children/export.csv", children.children_export, name="children_export"),
    path("children/<int:pk>/", children.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/", children.child_edit, name="child_edit"),
    path("children/<int:pk>/export.csv", children.child_export, name="child_export"),
    path("children/<int:pk>/chronology/", children.child_chronology, name="child_chronology"),
    path("children/<int:pk>/connections/", children.child_connections, name="child_connections"),
    path("children/<int:pk>/aliases/new/", children.child_alias_add, name="child_alias_add"),
    path("children/<int:pk>/aliases/<int:alias_pk>/delete/", children.child_alias_delete, name="child_alias_delete"),
    path("children/<int:pk>/contexts/new/", children.child_context_link, name="child_context_link"),
    path(
        "children/<int:pk>/contexts/<int:link_pk>/end/",
        children.child_context_link_end,
        name="child_context_link_end",
    ),
    path("children/<int:pk>/peers/new/", children.child_peer_add, name="child_peer_add"),
    path("emergency-access/", children.break_glass, name="break_glass"),
]
