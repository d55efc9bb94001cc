from django.urls import path

from interventions.views import missing

urlpatterns = [
    path("missing-episodes/", missing.episode_list, name="missing_episode_list"),
    path("missing-episodes/<int:pk>/", missing.episode_detail, name="missing_episode_detail"),
    path("missing-episodes/<int:pk>/return/", missing.episode_return, name="missing_episode_return"),
    path("missing-episodes/<int:pk>/interview/", missing.episode_interview, name="missing_episode_interview"),
    path("children/<int:pk>/missing-episodes/new/", missing.episode_create, name="missing_episode_create"),
]
