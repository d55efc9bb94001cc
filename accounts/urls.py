from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.two_factor_code, name="two_factor"),
    path("sign-in/backup-codes/", views.backup_codes, name="backup_codes"),
    path("sign-out/", views.sign_out, name="logout"),
    path("alert-emails/", views.alert_emails, name="alert_emails"),
]
