"""A mentor whose young people all come from mentoring matches uses mentoring and nothing else:
every other page and endpoint answers 404 (as if it did not exist), and the home page opens their
mentoring page. Mentors see only the young people they are matched with, and only what mentoring
needs: no chronology, no other agencies' records, no search (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from access import policy
from audit import services as audit
from audit.models import AuditAction

OPEN_NAMESPACES = ("mentoring", "accounts")
OPEN_VIEWS = frozenset({"api:me", "healthz"})
API_PREFIX = "api:mentoring-"


class MentorsStayInMentoringMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        user = getattr(request, "user", None)
        match = request.resolver_match
        if user is None or match is None or not user.is_authenticated or not policy.mentoring_only(user):
            return None
        name = match.view_name
        if match.namespace in OPEN_NAMESPACES or name in OPEN_VIEWS or name.startswith(API_PREFIX):
            return None
        if name == "home":
            return redirect("mentoring:mentor_home")
        # On the mentor's trail for the data protection officer: which page, about which record.
        audit.record(
            user,
            AuditAction.DENIED,
            detail={"page": name, "arguments": {key: str(value) for key, value in kwargs.items()}},
        )
        raise Http404
