"""The service navigation, by role: people see links only to what their role can use."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from access import policy


def landing_page(user: Any) -> str | None:
    """Where "Home" takes someone whose work is all in one area and who holds no caseload: the
    outreach officer's outreach page (URL name). None: the caseload home page."""
    if not policy.can(user, "see_caseload") and policy.can(user, "view_outreach"):
        return "outreach:home"
    return None


def navigation_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items: list[tuple[str, str, str | None]] = [("Home", "home", None)]
    if policy.can(user, "see_caseload"):
        items.append(("Find a child", "cases:child_search", "see_caseload"))
        items.append(("Contexts", "cases:context_list", "see_caseload"))
        items.append(("Referrals", "cases:referral_list", "see_caseload"))
        items.append(("Interventions", "interventions:intervention_list", "see_caseload"))
        items.append(("Tasks", "interventions:task_list", "see_caseload"))
    if policy.can(user, "coordinate_mentoring"):
        items.append(("Mentoring", "mentoring:coordinator_home", "coordinate_mentoring"))
    if policy.can(user, "mentor_young_people"):
        items.append(("Your mentoring", "mentoring:mentor_home", "mentor_young_people"))
    if policy.can(user, "run_panel"):
        items.append(("Panels", "interventions:panel_list", "run_panel"))
    if policy.can(user, "view_cohort"):
        items.append(("Cohort", "cohorts:cohort_home", "view_cohort"))
    elif policy.can(user, "view_fairness"):
        items.append(("Cohort fairness", "cohorts:fairness", "view_fairness"))
    if policy.can(user, "view_partnership_figures"):
        items.append(("Dashboards", "dashboards:dashboard", "view_partnership_figures"))
    if policy.can(user, "police_work"):
        items.append(("Police", "interventions:police_home", "police_work"))
    if policy.can(user, "view_outreach"):
        items.append(("Outreach", "outreach:home", "view_outreach"))
    if policy.can(user, "run_group_work"):
        items.append(("Group work", "outreach:group_list", "run_group_work"))
    if policy.can(user, "break_glass"):
        items.append(("Emergency access", "cases:break_glass", "break_glass"))
    if policy.can(user, "view_audit"):
        items.append(("Audit", "oversight:index", "view_audit"))
    elif policy.can(user, "manage_retention"):
        items.append(("Retention", "oversight:retention_rules", "manage_retention"))
    if policy.can(user, "view_access_grants"):
        items.append(("Access grants", "cases:grant_list", "view_access_grants"))
    if policy.can(user, "administer"):
        items.append(("Administration", "admin:index", "administer"))
    links = []
    for label, name, _rule in items:
        href = reverse(name)
        current = request.path == href or (href != "/" and request.path.startswith(href))
        links.append({"text": label, "href": href, "current": current})
    return links
