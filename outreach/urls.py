"""Outreach pages under /outreach/ and group work under /group-work/, in the 'outreach' namespace."""

from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("outreach/", views.home, name="home"),
    path("outreach/events/", views.event_list, name="event_list"),
    path("outreach/events/new/", views.event_create, name="event_create"),
    path("outreach/events/<int:pk>/", views.event_detail, name="event_detail"),
    path("outreach/events/<int:pk>/delivered/", views.event_deliver, name="event_deliver"),
    path("outreach/establishments/", views.establishment_list, name="establishment_list"),
    path("outreach/establishments/new/", views.establishment_create, name="establishment_create"),
    path("outreach/establishments/<int:pk>/", views.establishment_detail, name="establishment_detail"),
    path("outreach/establishments/<int:pk>/engagement/", views.engagement_create, name="engagement_create"),
    path("outreach/door-to-door/", views.campaign_list, name="campaign_list"),
    path("outreach/door-to-door/new/", views.campaign_create, name="campaign_create"),
    path("outreach/reach/", views.reach_report, name="reach_report"),
    path("outreach/reach/export.csv", views.reach_export, name="reach_export"),
    path("group-work/", views.group_list, name="group_list"),
    path("group-work/new/", views.group_create, name="group_create"),
    path("group-work/<int:pk>/", views.group_detail, name="group_detail"),
    path("group-work/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("group-work/sessions/<int:pk>/", views.session_detail, name="session_detail"),
]
