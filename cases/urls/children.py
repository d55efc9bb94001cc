from django.urls import path

from cases.views import children

urlpatterns = [
    path("children/search/", children.child_search, name="child_search"),
    path("children/export.csv", children.children_export, name="children_export"),
    path("children/<int:pk>/", children.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/", children.child_edit, name="child_edit"),
    path("children/<int:pk>/export.csv", children.child_export, name="child_export"),
    path("emergency-access/", children.break_glass, name="break_glass"),
]
