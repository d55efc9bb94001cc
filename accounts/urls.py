from django.conf import settings
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.two_factor_code, name="two_factor"),
    path("sign-in/backup-codes/", views.backup_codes, name="backup_codes"),
    path("sign-out/", views.sign_out, name="logout"),
    path("alert-emails/", views.alert_emails, name="alert_emails"),
    path("signed-in/", views.signed_in_sessions, name="sessions"),
    path("password/", views.change_password, name="change_password"),
    path("password/forgotten/", views.forgotten_password, name="forgotten_password"),
    path("password/forgotten/sent/", views.reset_sent, name="reset_sent"),
    path("password/reset/<str:uidb64>/<str:token>/", views.reset_link, name="reset_link"),
    path("password/reset/", views.reset_password, name="reset_password"),
]
if settings.OIDC_ENABLED:  # single sign-on: these routes exist only when it is on
    urlpatterns += [
        path("sign-in/organisation/", views.oidc_start, name="oidc_start"),
        path("sign-in/organisation/return/", views.oidc_callback, name="oidc_callback"),
    ]
