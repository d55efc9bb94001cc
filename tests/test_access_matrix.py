"""Every route in the URL resolver, for every persona and for an anonymous visitor.

A route with no entry in tests/matrix/ fails the test: adding a view means deciding who may reach
it. Records a persona may not see must answer 404 and must not leak the record into the page.
"""

import importlib
import pkgutil
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.matrix
from tests.matrix import ANONYMOUS, EVERYONE, Expect


def collect_routes() -> dict[str, Expect]:
    routes: dict[str, Expect] = {}
    for module_info in pkgutil.iter_modules(tests.matrix.__path__):
        module = importlib.import_module(f"tests.matrix.{module_info.name}")
        duplicated = set(routes) & set(module.ROUTES)
        assert not duplicated, f"routes declared twice: {duplicated}"
        routes.update(module.ROUTES)
    return routes


ROUTES = collect_routes()


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


# Routes whose allowed answers name young people the persona cannot see, by design: the access
# grants the administrator manages and the DPO oversees, the audit trail, the Django admin, and the
# feed review queue (the matching fields of the candidate a manager decides about).
NAMES_CHILDREN_BY_DESIGN = re.compile(
    r"^(cases:grant_|api:access-grant-|oversight:|admin:|feeds:review_|api:cohort-review-)"
)


def references_hidden_from(persona: str, route: str, partnership) -> list[str]:
    """References of the partnership's children this persona may not see (on the cohort's pages,
    those it may see for the cohort's purpose count as seen)."""
    from cases.models import Child

    user = partnership.users[persona]
    cohort = route.startswith(("cohorts:", "api:cohort-"))
    seen = Child.objects.cohort_visible_to(user) if cohort else Child.objects.visible_to(user)
    return list(Child.objects.exclude(pk__in=seen.values("pk")).values_list("reference", flat=True))


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
        body = b"".join(response) if response.streaming else response.content
        if leak and response.status_code != 200 and re.search(re.escape(leak.encode()), body):
            failures.append(f"{persona}: refused response contains {leak!r}")
        # An allowed answer (a list above all) shows nothing of a young person the persona may not see.
        if persona != ANONYMOUS and response.status_code == 200 and not NAMES_CHILDREN_BY_DESIGN.match(route):
            shown = [ref for ref in references_hidden_from(persona, route, partnership) if ref.encode() in body]
            if shown:
                failures.append(f"{persona}: allowed response names children it may not see: {shown}")
    assert not failures, f"{route} ({url}):\n" + "\n".join(failures)


def test_one_refusal_rule():
    """docs/architecture.md: a signed-in person refused anything gets 404, as if it did not exist.
    403 is kept for a write by someone who may see the record but whose role may not do this,
    and for the Django admin's own delete pages (deactivate instead)."""
    broken = []
    for route, spec in sorted(ROUTES.items()):
        if route.startswith("admin:"):
            continue
        if spec.default >= 400 and spec.default != 404:
            broken.append(f"{route}: refuses with {spec.default}")
        if spec.method == "get":
            refused_by_403 = [p for p, status in spec.statuses.items() if status == 403 and p != ANONYMOUS]
            if refused_by_403:
                broken.append(f"{route}: a read refused with 403 for {refused_by_403}")
    assert not broken, "\n".join(broken)


def test_every_role_has_a_persona_and_one_persona_holds_two_memberships():
    """A new role must get a persona (conftest.PERSONA_ROLES), or the matrix would never try it."""
    from accounts.models import Role
    from conftest import DUAL_PERSONAS, PERSONA_ROLES

    assert {role for _agency, role in PERSONA_ROLES.values()} == set(Role.values)
    assert DUAL_PERSONAS and all(len(set(parts)) == 2 for parts in DUAL_PERSONAS.values())
