"""Who is asking, from where, in which request: kept per request for the audit trail."""

import ipaddress
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None
    path: str


current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The connecting address; X-Forwarded-For is believed only from configured proxies,
    and then only the hops those proxies added (read right to left)."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    trusted = set(settings.TRUSTED_PROXIES)
    if remote is None or remote not in trusted:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _valid_ip(hop)
        if address is None:
            return remote
        if address not in trusted:
            return address
    return remote


def build(request: HttpRequest) -> RequestContext:
    return RequestContext(request_id=uuid.uuid4().hex, ip_address=client_ip(request), path=request.path[:300])
