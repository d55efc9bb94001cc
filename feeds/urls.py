"""Data feed pages, under /cohort/ (safeguarding/urls.py), in the 'feeds' namespace."""

from django.urls import path

from feeds import views

app_name = "feeds"
urlpatterns = [
    path("feeds/", views.feed_list, name="feed_list"),
    path("feeds/upload/", views.feed_upload, name="feed_upload"),
    path("feeds/<int:pk>/", views.feed_detail, name="feed_detail"),
    path("feeds/<int:pk>/progress/", views.feed_progress, name="feed_progress"),
    path("feeds/<int:pk>/errors.csv", views.feed_errors, name="feed_errors"),
    path("feeds/<int:pk>/apply/", views.feed_apply, name="feed_apply"),
    path("feeds/<int:pk>/reject/", views.feed_reject, name="feed_reject"),
    path("feeds/<int:pk>/retry/", views.feed_retry, name="feed_retry"),
    path("feeds/<int:pk>/abandon/", views.feed_abandon, name="feed_abandon"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/decide/", views.review_bulk, name="review_bulk"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
]
