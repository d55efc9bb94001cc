from django.urls import path

from cases.views import grants

urlpatterns = [
    path("access-grants/", grants.grant_list, name="grant_list"),
    path("access-grants/new/", grants.grant_create, name="grant_create"),
    path("access-grants/<int:pk>/end/", grants.grant_end, name="grant_end"),
]
