from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("children/", views.children, name="children"),
    path("social-factors/", views.social_factors, name="social_factors"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("network/", views.network, name="network"),
    path("scrutiny-report/", views.scrutiny_report, name="report"),
    path("scrutiny-report.pdf", views.scrutiny_report_pdf, name="report_pdf"),
    path("tables/<slug:key>.csv", views.table_csv, name="table_csv"),
]
