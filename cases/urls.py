from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("children/search/", views.child_search, name="child_search"),
    path("children/export.csv", views.children_export, name="children_export"),
    path("children/<int:pk>/", views.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/", views.child_edit, name="child_edit"),
    path("children/<int:pk>/export.csv", views.child_export, name="child_export"),
    path("emergency-access/", views.break_glass, name="break_glass"),
]
