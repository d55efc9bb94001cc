import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def _policy(script_src: str) -> str:
    """Only our own files run: no inline script or style, no third-party origins."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# Pages that never asked for a nonce (the Django admin, which has no nonce support before Django 6).
CONTENT_SECURITY_POLICY = _policy("'self'")
# No sensor, camera, microphone, location or payment features for any page or frame.
FEATURES = ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb")
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in FEATURES)


class Nonce:
    """A per-request CSP nonce, made when a template first asks for it (`{{ request.csp_nonce }}`)."""

    value = ""

    def __str__(self) -> str:
        if not self.value:
            self.value = secrets.token_urlsafe(18)
        return self.value


class SecurityHeadersMiddleware:
    """Content Security Policy (a nonce on each of our script tags plus 'strict-dynamic', so only
    scripts the page names run; never 'unsafe-inline'), Permissions-Policy, and no caching of
    anything a signed-in person sees. SecurityMiddleware adds HSTS, nosniff, Referrer-Policy and
    Cross-Origin-Opener-Policy; the clickjacking middleware X-Frame-Options."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = request.csp_nonce = Nonce()  # type: ignore[attr-defined]
        response = self.get_response(request)
        policy = _policy(f"'nonce-{nonce.value}' 'strict-dynamic' 'self'") if nonce.value else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # Cache-Control: no-store, private, ...: never kept on shared machines
        return response
