from django.urls import path

from cases.views import grants

urlpatterns = [
    path("access-grants/", grants.grant_list, name="grant_list"),
    path("access-grants/new/", grants.grant_create, name="grant_create"),
    path("access-grants/find-users/", grants.grant_find_users, name="grant_find_users"),
    path("access-grants/<int:pk>/end/", grants.grant_end, name="grant_end"),
]
