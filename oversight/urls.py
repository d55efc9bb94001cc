from django.urls import path

from oversight.views import retention, subject_access, trails

app_name = "oversight"
urlpatterns = [
    path("", trails.index, name="index"),
    path("children/<int:pk>/", trails.child_trail, name="child_trail"),
    path("children/<int:pk>/export/", trails.child_trail_export, name="child_trail_export"),
    path("users/<int:pk>/", trails.user_trail, name="user_trail"),
    path("users/<int:pk>/export/", trails.user_trail_export, name="user_trail_export"),
    path("emergency-access/", trails.break_glass_list, name="break_glass_list"),
    path("emergency-access/<int:pk>/review/", trails.break_glass_review, name="break_glass_review"),
    path("retention/", retention.rules, name="retention_rules"),
    path("retention/<int:pk>/edit/", retention.rule_edit, name="retention_rule_edit"),
    path("retention/review/", retention.review, name="disposal_review"),
    path("subject-access/", subject_access.exports, name="subject_access"),
    path("subject-access/<int:pk>/", subject_access.export_detail, name="subject_access_detail"),
    path(
        "subject-access/<int:pk>/items/<int:item_pk>/",
        subject_access.decide,
        name="subject_access_decide",
    ),
    path("subject-access/<int:pk>/download.pdf", subject_access.download_pdf, name="subject_access_pdf"),
    path("subject-access/<int:pk>/download.json", subject_access.download_json, name="subject_access_json"),
]
