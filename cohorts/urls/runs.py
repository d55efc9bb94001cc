from django.urls import path

from cohorts.views import runs as views

urlpatterns = [
    path("runs/", views.run_list, name="run_list"),
    path("runs/request/", views.run_request, name="run_request"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("children/<int:pk>/why/", views.suggestion_why, name="suggestion_why"),
]
