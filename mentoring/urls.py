from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("", views.coordinator_home, name="coordinator_home"),
    path("mentors/", views.mentor_list, name="mentor_list"),
    path("mentors/new/", views.mentor_create, name="mentor_create"),
    path("mentors/<int:pk>/", views.mentor_detail, name="mentor_detail"),
    path("mentors/<int:pk>/step/", views.mentor_step, name="mentor_step"),
    path("mentors/<int:pk>/dbs/", views.mentor_dbs, name="mentor_dbs"),
    path("mentors/<int:pk>/references/new/", views.mentor_reference, name="mentor_reference"),
    path("mentors/<int:pk>/interview/", views.mentor_interview, name="mentor_interview"),
    path("mentors/<int:pk>/training/", views.mentor_training, name="mentor_training"),
    path("mentors/<int:pk>/supervision/", views.mentor_supervision, name="mentor_supervision"),
    path("mentors/<int:pk>/profile/", views.mentor_profile, name="mentor_profile"),
    path("mentors/<int:pk>/sign-in/", views.mentor_sign_in, name="mentor_sign_in"),
    path("refer/<int:child_pk>/", views.refer, name="refer"),
    path("waiting/", views.waiting_list, name="waiting_list"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/stage/", views.referral_preparation, name="referral_preparation"),
    path("referrals/<int:pk>/sharing/", views.referral_sharing, name="referral_sharing"),
    path("referrals/<int:pk>/match/", views.match_propose, name="match_propose"),
    path("matches/<int:pk>/", views.match_detail, name="match_detail"),
    path("matches/<int:pk>/end/", views.match_end, name="match_end"),
    path("matches/<int:pk>/renew/", views.match_renew, name="match_renew"),
    path("report/", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("my/", views.mentor_home, name="mentor_home"),
    path("my/<int:pk>/", views.mentee, name="mentee"),
    path("my/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("my/<int:pk>/concern/", views.concern_create, name="concern_create"),
]
