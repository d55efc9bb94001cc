"""Every route in the URL resolver, for every persona and for an anonymous visitor.

A route with no entry here fails the test: adding a view means deciding who may reach it.
Records a persona may not see must answer 404 and must not leak the record into the page.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import BreakGlassGrant
from conftest import PERSONAS

ANONYMOUS = "anonymous"
EVERYONE = (*PERSONAS, ANONYMOUS)
CASELOAD = ("caseworker", "police", "voluntary", "mentor", "coordinator", "manager")
BREAK_GLASS = ("caseworker", "police", "manager")


@dataclass
class Expect:
    statuses: dict[str, int]
    default: int
    kwargs: Callable | None = None  # partnership -> reverse() kwargs
    path: Callable | None = None  # partnership -> path, for unnamed routes
    method: str = "get"
    must_not_leak: Callable | None = None  # partnership -> text absent from refused responses
    data: dict = field(default_factory=dict)

    def status_for(self, persona: str) -> int:
        return self.statuses.get(persona, self.default)


def only(allowed: tuple[str, ...], status: int = 200, anonymous: int = 302, refused: int = 404) -> tuple[dict, int]:
    return {**{persona: status for persona in allowed}, ANONYMOUS: anonymous}, refused


def council_child_pk(p):
    return {"pk": p.council_child.pk}


def council_child_reference(p):
    return p.council_child.reference


def grant_pk(p):
    grant = BreakGlassGrant.objects.create(
        user=p.users["police"], child=p.unlinked_child, reason="Test emergency", expires_at="2099-01-01T00:00Z"
    )
    return {"pk": grant.pk}


def expect(allowed, *, status=200, anonymous=302, refused=404, **kwargs) -> Expect:
    statuses, default = only(allowed, status, anonymous, refused)
    return Expect(statuses, default, **kwargs)


ROUTES: dict[str, Expect] = {
    "home": expect(PERSONAS),
    "healthz": Expect({}, 200),
    "accounts:login": Expect({ANONYMOUS: 200}, 302),
    "accounts:logout": Expect({}, 302, method="post"),
    "cases:child_search": expect(CASELOAD),
    "cases:children_export": expect(CASELOAD),
    "cases:child_detail": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cases:child_edit": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cases:child_export": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cases:break_glass": expect(BREAK_GLASS),
    "audit:index": expect(("dpo",)),
    "audit:child_trail": expect(("dpo",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "audit:user_trail": expect(("dpo",), kwargs=lambda p: {"pk": p.users["caseworker"].pk}),
    "audit:break_glass_list": expect(("dpo",)),
    # An empty review is refused with the form's errors; nobody else learns the grant exists.
    "audit:break_glass_review": expect(("dpo",), status=400, kwargs=grant_pk, method="post"),
    "api:me": expect(PERSONAS, anonymous=403),
    "api:child-list": expect(PERSONAS, anonymous=403),
    "api:child-detail": expect(
        ("caseworker",), anonymous=403, kwargs=council_child_pk, must_not_leak=council_child_reference
    ),
    "api_schema": expect(PERSONAS, anonymous=403),
    # The Django admin is for system administrators; everyone else signed in gets 404.
    "admin:index": expect(("admin",)),
    "admin:login": Expect({}, 302),
    "admin:logout": expect(("admin",), status=302, method="post"),
    "admin:password_change": expect(("admin",)),
    "admin:password_change_done": expect(("admin",)),
    "admin:autocomplete": expect(("admin",), status=403),  # no model named in the query
    "admin:jsi18n": expect(("admin",)),
    "admin:view_on_site": expect(
        ("admin",), status=404, kwargs=lambda p: {"content_type_id": 1, "object_id": p.users["admin"].pk}
    ),
    "admin:app_list": expect(("admin",), kwargs=lambda p: {"app_label": "accounts"}),
}

# Admin pages per registered model. A newly registered model must be added here.
ADMIN_MODELS = {
    "accounts_agency": lambda p: p.agencies["police"].pk,
    "accounts_user": lambda p: p.users["caseworker"].pk,
    "accounts_membership": lambda p: p.users["caseworker"].memberships.get().pk,
}
ADMIN_VIEWS = {"changelist": 200, "add": 200, "change": 200, "history": 200, "delete": 403}
for model, object_id in ADMIN_MODELS.items():
    for view, status in ADMIN_VIEWS.items():
        needs_id = view in {"change", "history", "delete"}
        ROUTES[f"admin:{model}_{view}"] = expect(
            ("admin",), status=status, kwargs=(lambda p, f=object_id: {"object_id": f(p)}) if needs_id else None
        )
    app_label, model_name = model.split("_", 1)
    ROUTES[f"admin/{app_label}/{model_name}/<path:object_id>/"] = expect(
        ("admin",), status=302, path=lambda p, a=app_label, m=model_name, f=object_id: f"/admin/{a}/{m}/{f(p)}/"
    )
ROUTES["admin:auth_user_password_change"] = expect(("admin",), kwargs=lambda p: {"id": p.users["caseworker"].pk})


def all_routes(patterns=None, prefix="", namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else pattern.namespace or namespace
            )
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield prefix + str(pattern.pattern)


def test_every_route_has_an_entry():
    routes = set(all_routes())
    missing = sorted(routes - set(ROUTES))
    assert not missing, f"Routes with no access matrix entry (decide who may reach them): {missing}"
    stale = sorted(set(ROUTES) - routes)
    assert not stale, f"Access matrix entries for routes that no longer exist: {stale}"


def url_for(route: str, spec: Expect, partnership) -> str:
    if spec.path:
        return spec.path(partnership)
    return reverse(route, kwargs=spec.kwargs(partnership) if spec.kwargs else None)


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_answers_each_persona_as_the_policy_says(route, client_for, partnership):
    spec = ROUTES[route]
    url = url_for(route, spec, partnership)
    leak = spec.must_not_leak(partnership) if spec.must_not_leak else None
    failures = []
    for persona in EVERYONE:
        client = client_for(None if persona == ANONYMOUS else persona)
        response = getattr(client, spec.method)(url, spec.data)
        expected = spec.status_for(persona)
        if response.status_code != expected:
            failures.append(f"{persona}: expected {expected}, got {response.status_code}")
        if leak and response.status_code != 200:
            body = b"".join(response) if response.streaming else response.content
            if re.search(re.escape(leak.encode()), body):
                failures.append(f"{persona}: refused response contains {leak!r}")
    assert not failures, f"{route} ({url}):\n" + "\n".join(failures)
