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
from tests.matrix import ANONYMOUS, EVERYONE, OWN, Expect


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
    """References of the partnership's children, contexts and families this persona may not see (on
    the cohort's pages, children it may see for the cohort's purpose count as seen)."""
    from cases.models import Child, Context, Family

    user = partnership.users[persona]
    cohort = route.startswith(("cohorts:", "api:cohort-"))
    seen = Child.objects.cohort_visible_to(user) if cohort else Child.objects.visible_to(user)
    hidden = list(Child.objects.exclude(pk__in=seen.values("pk")).values_list("reference", flat=True))
    for model in (Context, Family):
        hidden += model.objects.exclude(pk__in=model.objects.visible_to(user).values("pk")).values_list(
            "reference", flat=True
        )
    return hidden


# List and search routes: an allowed persona's answer must show one of its own records (Expect.shows),
# unless the route is here, with the reason. Every other list is still checked for hidden records.
LIST_ROUTE = re.compile(r"(_list|-list|_search|_export|_csv)$")
LIST_EXCEPTIONS = {
    # The partnership fixture holds no record of these kinds; each list's own tests create records of two
    # agencies and check who sees which.
    **dict.fromkeys(
        (
            "api:cohort-fairness-list",
            "api:cohort-feed-list",
            "api:cohort-nomination-list",
            "api:cohort-review-list",
            "api:cohort-run-list",
            "api:cohort-suggestion-list",
            "api:cohort-tier-decision-list",
            "api:cohort-tier-list",
            "cohorts:run_list",
            "feeds:feed_list",
            "feeds:review_list",
        ),
        "no cohort run or feed in the fixture: tests/test_cohort_runs.py, tests/test_feeds_need_to_know.py",
    ),
    **dict.fromkeys(
        (
            "api:intervention-list",
            "api:family-plan-list",
            "api:missing-episode-list",
            "api:panel-action-list",
            "api:panel-meeting-list",
            "api:task-list",
            "interventions:intervention_list",
            "interventions:missing_episode_list",
            "interventions:panel_list",
            "interventions:task_list",
        ),
        "no intervention, episode, panel or task in the fixture: tests/test_interventions.py, "
        "tests/test_missing_episodes.py, tests/test_panel_lists.py, tests/test_tasks.py",
    ),
    **dict.fromkeys(
        (
            "api:disruption-action-list",
            "api:intelligence-report-list",
            "api:person-of-concern-list",
            "interventions:police_disruption_list",
            "interventions:police_intelligence_list",
            "interventions:police_person_list",
        ),
        "police-only records, none in the fixture; only police officers reach these: tests/test_police.py, "
        "tests/test_police_only_leaks.py",
    ),
    **dict.fromkeys(
        (
            "api:mentoring-match-list",
            "api:mentoring-mentor-list",
            "api:mentoring-referral-list",
            "api:mentoring-report-list",
            "api:mentoring-session-list",
            "mentoring:mentor_list",
            "mentoring:waiting_list",
            "mentoring:report_csv",
            "api:outreach-campaign-list",
            "api:outreach-establishment-list",
            "api:outreach-event-list",
            "api:outreach-group-list",
            "api:outreach-reach-list",
            "api:outreach-session-list",
            "outreach:campaign_list",
            "outreach:establishment_list",
            "outreach:event_list",
            "outreach:group_list",
            "outreach:reach_export",
        ),
        "no mentoring or outreach record in the fixture: tests/test_mentoring_api.py, tests/test_mentoring_pages.py, "
        "tests/test_outreach_api.py, tests/test_outreach_pages.py",
    ),
    **dict.fromkeys(
        ("api:access-grant-list", "cases:grant_list", "oversight:break_glass_list"),
        "the administrator's and the DPO's oversight lists: every grant, by design (NAMES_CHILDREN_BY_DESIGN)",
    ),
    "cases:child_search": "a GET shows the form; the search is a POST: test_child_search_finds_own_records_only",
    "oversight:child_trail_export": "the DPO's download of one child's audit trail: who did what, never case "
    "content; tests/test_oversight_trails.py checks its rows",
    "oversight:user_trail_export": "the DPO's download of one user's audit trail; tests/test_oversight_trails.py",
    "dashboards:table_csv": "counts, not records (named figures are the drill-down's, which lists only what the "
    "viewer may see): tests/test_dashboards.py",
    "cases:child_export": "one young person's record, not a list (its refusals are checked for leaks above)",
    "api:referral-list": "the API lists referrals by id only; cases:referral_list checks the same query",
    "api:context-assessment-list": "the API lists assessments by id only; tests/test_api.py checks who sees which",
    "api:context-plan-list": "the API lists plans by id only; tests/test_api.py checks who sees which",
}


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_answers_each_persona_as_the_policy_says(route, client_for, partnership):
    spec = ROUTES[route]
    url = url_for(route, spec, partnership)
    leak = spec.must_not_leak(partnership) if spec.must_not_leak else None
    failures = []
    own_shown = 0
    for persona in EVERYONE:
        client = client_for(None if persona == ANONYMOUS else persona)
        response = getattr(client, spec.method)(url, spec.data)
        expected = spec.status_for(persona)
        if response.status_code != expected:
            failures.append(f"{persona}: expected {expected}, got {response.status_code}")
        body = b"".join(response) if response.streaming else response.content
        if leak and response.status_code != 200 and re.search(re.escape(leak.encode()), body):
            failures.append(f"{persona}: refused response contains {leak!r}")
        # An allowed answer (a list above all) shows nothing the persona may not see, and a list shows the
        # persona one of its own records.
        if persona != ANONYMOUS and response.status_code == 200 and not NAMES_CHILDREN_BY_DESIGN.match(route):
            shown = [ref for ref in references_hidden_from(persona, route, partnership) if ref.encode() in body]
            if shown:
                failures.append(f"{persona}: allowed response names records it may not see: {shown}")
        own = spec.shows(partnership, persona) if spec.shows and response.status_code == 200 else None
        if own and own.encode() not in body:
            failures.append(f"{persona}: allowed list does not show its own record {own!r}")
        own_shown += bool(own)
    if spec.shows and not own_shown:
        failures.append("no allowed persona has an own record of this kind to be shown")
    assert not failures, f"{route} ({url}):\n" + "\n".join(failures)


def test_every_list_and_search_route_shows_each_persona_its_own_records():
    """A list could answer 200 and show nothing, or only others' records: each list and search route says
    which of the persona's own records it must show, or is an exception with its reason."""
    lists = {route for route, spec in ROUTES.items() if spec.method == "get" and LIST_ROUTE.search(route)}
    lists -= {route for route in lists if route.startswith("admin:")}
    unchecked = sorted(route for route in lists if not ROUTES[route].shows and route not in LIST_EXCEPTIONS)
    assert not unchecked, f"List routes with no own-record check (Expect.shows) or exception: {unchecked}"
    stale = sorted(route for route in LIST_EXCEPTIONS if route not in lists or ROUTES[route].shows)
    assert not stale, f"LIST_EXCEPTIONS entries that are not unchecked list routes: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(OWN["child"]))
def test_child_search_finds_own_records_only(persona, client_for, partnership):
    """The search (a POST) finds the persona's own young person by reference, and finds nobody when given
    the exact reference of a young person it may not see."""
    from cases.models import Child

    client = client_for(persona)
    mine = getattr(partnership, OWN["child"][persona])

    def found(child) -> bool:
        response = client.post(reverse("cases:child_search"), {"identifier": child.reference})
        assert response.status_code == 200
        return reverse("cases:child_detail", args=[child.pk]).encode() in response.content

    assert found(mine)
    others = Child.objects.exclude(pk__in=Child.objects.visible_to(partnership.users[persona]).values("pk"))
    assert others.exists()
    assert not [child.reference for child in others if found(child)]


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
