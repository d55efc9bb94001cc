from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import AlertEmailsForm, SignInForm
from accounts.models import User
from audit import services as audit
from audit.models import AuditAction
from safeguarding.forms import add_service_errors

PREVIOUS_SIGN_IN = "previous_sign_in"


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignInForm(request, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            previous = form.user.last_login  # login() moves it to now
            login(request, form.user)
            # The home page shows what changed since then ("since you last signed in").
            request.session[PREVIOUS_SIGN_IN] = previous.isoformat() if previous else ""
            audit.record(form.user, AuditAction.LOGIN)
            return redirect(next_url or "home")
        if form.cleaned_data.get("username"):
            audit.record(
                None,
                AuditAction.LOGIN_FAILED,
                username=form.cleaned_data["username"],
                detail={"locked": form.locked},
            )
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request.user, AuditAction.LOGOUT)
    logout(request)
    messages.info(request, "You have signed out")
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def alert_emails(request: HttpRequest) -> HttpResponse:
    """The signed-in user's choice: alert emails as each alert happens, or one daily digest."""
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        form = AlertEmailsForm(request.POST)
        if form.is_valid():
            try:
                services.set_alert_emails(user, form.cleaned_data["notification_emails"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Your alert emails choice has been saved")
                return redirect("accounts:alert_emails")
        return render(request, "accounts/alert_emails.html", {"form": form}, status=400)
    form = AlertEmailsForm(initial={"notification_emails": user.notification_emails})
    return render(request, "accounts/alert_emails.html", {"form": form})
