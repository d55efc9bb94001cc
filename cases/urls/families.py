from django.urls import path

from cases.views import families

urlpatterns = [
    path("families/new/", families.family_create, name="family_create"),
    path("families/<int:pk>/", families.family_detail, name="family_detail"),
    path("families/<int:pk>/edit/", families.family_edit, name="family_edit"),
    path("families/<int:pk>/chronology/", families.family_chronology, name="family_chronology"),
    path("families/<int:pk>/members/new/", families.family_member_add, name="family_member_add"),
    path("families/<int:pk>/adults/new/", families.family_adult_add, name="family_adult_add"),
    path("families/<int:pk>/facts/new/", families.family_fact_add, name="family_fact_add"),
]
