import logging
import time

import django_otp
import jwt
import requests
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts import oidc, security_emails, services, sessions, two_factor
from accounts.forms import (
    AlertEmailsForm,
    ChangePasswordForm,
    CodeForm,
    EndSessionsForm,
    ForgottenPasswordForm,
    ResetPasswordForm,
    SignInForm,
)
from accounts.middleware import PROVIDER_TWO_FACTOR
from accounts.models import User
from accounts.security_emails import Notice, reset_link_minutes
from audit import context as audit_context
from audit import services as audit
from audit.models import AuditAction
from safeguarding.forms import add_service_errors

logger = logging.getLogger(__name__)

PREVIOUS_SIGN_IN = "previous_sign_in"
# Between a correct password and a correct code: who, since when, and where to go next.
PENDING = "pending_sign_in"
NEW_BACKUP_CODES = "new_backup_codes"
# A password reset link's account and token, kept here once opened so that the token leaves the address.
RESET_LINK = "password_reset_link"
WRONG_CODE = "The code is not right, or it has been used already. Enter the code your authenticator app shows now"
WRONG_SIGN_IN_CODE = (
    "The code is not right, or it has been used already. Enter the code your authenticator app shows now, "
    "or one of your backup codes"
)
# The same words whatever went wrong, so they say nothing about who has an account; the audit trail
# records the reason.
PROVIDER_REFUSED = (
    "You could not be signed in with {provider}. Sign in with your username and password, or ask your "
    "system administrator to check that your account here has the same email address"
)


def _safe_next(request: HttpRequest, next_url: str) -> str:
    """Only an address on this site: never another host or scheme, nor a protocol-relative address."""
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        return next_url
    return ""


def _log_in(
    request: HttpRequest, user: User, device=None, *, method: str = "password", provider_two_factor: bool = False
) -> None:
    previous = user.last_login  # login() moves it to now
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # a new session key
    detail = {} if method == "password" else {"method": method}
    if device is not None:
        django_otp.login(request, device)
        detail["two_factor"] = two_factor.kind_of(device)
    elif provider_two_factor:
        request.session[PROVIDER_TWO_FACTOR] = True
        detail["two_factor"] = "identity_provider"
    # The home page shows what changed since then ("since you last signed in").
    request.session[PREVIOUS_SIGN_IN] = previous.isoformat() if previous else ""
    sessions.note_sign_in(request, user)
    audit.record(user, AuditAction.LOGIN, detail=detail or None)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignInForm(request, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            if not settings.TWO_FACTOR_REQUIRED:
                _log_in(request, form.user)
                return redirect(next_url or "home")
            request.session.cycle_key()
            request.session[PENDING] = {"user": form.user.pk, "at": int(time.time()), "next": next_url}
            return redirect("accounts:two_factor")
        if form.cleaned_data.get("username"):
            audit.record(
                None,
                AuditAction.LOGIN_FAILED,
                username=form.cleaned_data["username"],
                detail={"locked": form.locked},
            )
            if form.paused:
                security_emails.queue_paused_notice(form.cleaned_data["username"])
    single_sign_on = settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else ""
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url, "single_sign_on": single_sign_on})


# Single sign-on (accounts/oidc.py): the library sends the person to the provider; the return is ours.
oidc_start = never_cache(OIDCAuthenticationRequestView.as_view())


def _provider_refused(request: HttpRequest, reason: str, email: str = "") -> HttpResponse:
    audit.record(None, AuditAction.LOGIN_FAILED, username=email, detail={"method": "oidc", "reason": reason})
    messages.error(request, PROVIDER_REFUSED.format(provider=settings.OIDC_PROVIDER_NAME))
    return redirect("accounts:login")


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the person back here with a code: sign them in (or on to our code step)."""
    states = request.session.get("oidc_states") or {}
    flow = states.pop(request.GET.get("state", ""), None)
    if flow is not None:
        request.session["oidc_states"] = states  # each state is used once
    if request.GET.get("error") or flow is None or not request.GET.get("code"):
        return _provider_refused(request, "provider_error" if request.GET.get("error") else "unknown_state")
    try:
        user = oidc.StaffBackend().authenticate(request, nonce=flow["nonce"], code_verifier=flow.get("code_verifier"))
    except oidc.Refused as refused:
        return _provider_refused(request, refused.reason, refused.email)
    except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError) as error:
        logger.warning("Single sign-on refused: %s", error)
        return _provider_refused(request, "token_refused")
    if user is None:
        return _provider_refused(request, "token_refused")
    next_url = _safe_next(request, request.session.pop("oidc_login_next", None) or "")
    if user.provider_did_two_factor or not settings.TWO_FACTOR_REQUIRED:
        _log_in(request, user, method="oidc", provider_two_factor=user.provider_did_two_factor)
        return redirect(next_url or "home")
    request.session.cycle_key()
    request.session[PENDING] = {"user": user.pk, "at": int(time.time()), "next": next_url, "method": "oidc"}
    return redirect("accounts:two_factor")


def _pending(request: HttpRequest) -> tuple[User, str] | None:
    """The person who gave a correct password a few minutes ago, and where they were going."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > settings.TWO_FACTOR_PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending["next"]) if user else None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app or a backup code; or, the first time,
    setting up the app."""
    pending = _pending(request)
    if pending is None:
        messages.info(request, "Sign in again: the time to enter a code ran out")
        return redirect("accounts:login")
    user, next_url = pending
    if not two_factor.is_enrolled(user):
        return _set_up(request, user, next_url)
    form = CodeForm(
        request.POST if request.method == "POST" else None,
        check=lambda code: two_factor.verify(user, code),
        wrong_code=WRONG_SIGN_IN_CODE,
    )
    if request.method == "POST":
        if form.is_valid():
            method = request.session.pop(PENDING).get("method", "password")
            _log_in(request, user, form.device, method=method)
            return redirect(next_url or "home")
        if form.data.get("code"):
            audit.record(None, AuditAction.LOGIN_FAILED, username=user.username, detail={"step": "code"})
            state = request.session[PENDING]
            if not state.get("told"):  # once per sign-in, however many tries
                request.session[PENDING] = {**state, "told": True}
                security_emails.queue_notice(user, Notice.CODE_REFUSED)
    return render(request, "accounts/two_factor_code.html", {"form": form})


def _set_up(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    device = two_factor.unconfirmed_device(user)
    form = CodeForm(
        request.POST if request.method == "POST" else None,
        check=lambda code: device if device.verify_token(code) else None,
        wrong_code=WRONG_CODE,
    )
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm(user, device)
        method = request.session.pop(PENDING).get("method", "password")
        _log_in(request, user, device, method=method)
        request.session[NEW_BACKUP_CODES] = {"codes": codes, "next": next_url}
        return redirect("accounts:backup_codes")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_set_up.html",
        {
            "form": form,
            "qr_code": qr.svg_data_uri(scale=5, border=2),
            "secret": two_factor.secret_text(device),
        },
    )


@never_cache
@require_http_methods(["GET"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    """Shown once, straight after setting up two-factor sign-in."""
    shown = request.session.pop(NEW_BACKUP_CODES, None)
    if not request.user.is_authenticated or shown is None:
        return redirect("home")
    return render(request, "accounts/backup_codes.html", {"codes": shown["codes"], "next": shown["next"] or "/"})


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


@login_required
@sensitive_post_parameters("secret")
@never_cache
@require_http_methods(["GET", "POST"])
def signed_in_sessions(request: HttpRequest) -> HttpResponse:
    """Where the signed-in user is signed in; they end their other sessions after giving their
    password again (ASVS 5.0 V7.5.2). Another person's session, or a malformed one, is 404."""
    user = request.user
    assert isinstance(user, User)
    current_key = request.session.session_key
    asks_for_password = sessions.asks_for_password(user)
    form = EndSessionsForm(request.POST or None, asks_for_password=asks_for_password)
    status = 200
    if request.method == "POST":
        end = request.POST.get("end", "")
        session = None if end == "all" else sessions.other_session(user, current_key, end)
        if end != "all" and session is None:
            raise Http404
        if form.is_valid():
            try:
                ip = audit_context.client_ip(request)
                secret = form.cleaned_data["secret"]
                ended = sessions.end_sessions(user, session, secret, current_key=current_key, ip=ip)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                plural = "session" if ended == 1 else "sessions"
                messages.success(request, f"Signed out of {ended} other {plural}")
                return redirect("accounts:sessions")
        status = 400
    sessions.note_current(request, user)
    shown = sessions.signed_in(user, current_key)
    return render(
        request,
        "accounts/signed_in_sessions.html",
        {"form": form, "sessions": shown, "others": sum(not item.current for item in shown)},
        status=status,
    )


@login_required
@sensitive_post_parameters("current_password", "new_password", "repeat_password")
@never_cache
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own password (ASVS 5.0 V6.2.2, V6.2.3). This session stays signed in
    with a new key; every other session ends. Someone who signs in only through their organisation
    has no password here and is told so."""
    user = request.user
    assert isinstance(user, User)
    if not user.has_usable_password():
        return render(request, "accounts/change_password.html", {"form": None})
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.change_password(
                    user,
                    current=form.cleaned_data["current_password"],
                    new=form.cleaned_data["new_password"],
                    repeat=form.cleaned_data["repeat_password"],
                    ip=audit_context.client_ip(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # A new key for this session (its record follows when the sessions page next lists
                # it); every other session ends, its hash no longer matching.
                update_session_auth_hash(request, user)
                messages.success(request, "Your password has been changed. You have been signed out everywhere else")
                return redirect("accounts:sessions")
        return render(request, "accounts/change_password.html", {"form": form}, status=400)
    return render(request, "accounts/change_password.html", {"form": form})


def _signed_in_elsewhere(request: HttpRequest) -> HttpResponse:
    messages.info(request, "You are signed in. Change your password here")
    return redirect("accounts:change_password")


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def forgotten_password(request: HttpRequest) -> HttpResponse:
    """Ask for a link to set a new password (ASVS 5.0 V6.4.3). The answer is the same whether or not
    the address has an account, so nobody learns who has one."""
    if request.user.is_authenticated:
        return _signed_in_elsewhere(request)
    form = ForgottenPasswordForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.ask_for_password_reset(form.cleaned_data["email"])
            return redirect("accounts:reset_sent")
        return render(request, "accounts/forgotten_password.html", {"form": form}, status=400)
    return render(request, "accounts/forgotten_password.html", {"form": form})


@never_cache
@require_GET
def reset_sent(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return _signed_in_elsewhere(request)
    return render(request, "accounts/reset_sent.html", {"minutes": reset_link_minutes()})


def _link_expired(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/reset_link_expired.html", {"minutes": reset_link_minutes()})


@never_cache
@require_GET
def reset_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link from the email: if it still works, keep it in the session and move to an address
    without the token (so it is in no later Referer or history entry)."""
    if request.user.is_authenticated:
        return _signed_in_elsewhere(request)
    user = services.user_for_reset(uidb64, token)
    if user is None:
        return _link_expired(request)
    request.session[RESET_LINK] = {"uid": uidb64, "token": token}
    return redirect("accounts:reset_password")


@sensitive_post_parameters("new_password", "repeat_password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest) -> HttpResponse:
    """A new password for the account the opened link is for. It signs nobody in: the person signs in
    with it, and with their authenticator app, as usual."""
    if request.user.is_authenticated:
        return _signed_in_elsewhere(request)
    link = request.session.get(RESET_LINK) or {}
    user = services.user_for_reset(link.get("uid", ""), link.get("token", ""))
    if user is None:
        return _link_expired(request)
    form = ResetPasswordForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reset_password(
                    user,
                    token=link["token"],
                    new=form.cleaned_data["new_password"],
                    repeat=form.cleaned_data["repeat_password"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                del request.session[RESET_LINK]
                messages.success(request, "Your password has been reset. Sign in with your new password")
                return redirect("accounts:login")
        return render(request, "accounts/reset_password.html", {"form": form, "person": user}, status=400)
    return render(request, "accounts/reset_password.html", {"form": form, "person": user})
