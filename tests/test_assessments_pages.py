"""Context assessment and context plan pages: sections, completion, plans linked to children, goals
and responses."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent, AuditSubject
from cases.models import (
    Context,
    ContextAssessment,
    ContextLink,
    ContextPlan,
    PlanGoal,
    PlanResponse,
)
from tests.factories import ChildFactory, InvolvementFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"


def full_name(child) -> str:
    return f"{child.given_name} {child.family_name}"


def date_fields(name: str, value) -> dict:
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


def assessment_data(assessment=None, **changes) -> dict:
    data = {
        "strengths": "Staffed ticket office until 6pm",
        "concerns": "Older young people wait here to recruit",
        "guardianship": "No staff after 8pm",
        "physical_environment": "Dark underpass to the car park",
        "policies": "Operator has no safeguarding lead",
        "young_peoples_views": "They avoid the underpass",
        "weighting": "context_greater",
        "weighting_rationale": "Both children are safe at home",
    }
    if assessment is not None:
        data["version"] = assessment.version
    return {**data, **changes}


# Assessments -----------------------------------------------------------------------------------


def test_start_an_assessment(client_for, partnership):
    hotspot = partnership.hotspot
    client = client_for("caseworker")
    html = client.get(reverse("cases:assessment_create", args=[hotspot.pk])).content.decode()
    assert "Start a context assessment" in html and "Guardianship" in html and "Complete assessment" not in html
    response = client.post(reverse("cases:assessment_create", args=[hotspot.pk]), assessment_data())
    assessment = ContextAssessment.objects.exclude(pk=partnership.assessment.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("cases:assessment_detail", args=[assessment.pk])
    assert (assessment.context, assessment.status, assessment.assessor) == (
        hotspot,
        "draft",
        partnership.users["caseworker"],
    )
    assert assessment.guardianship == "No staff after 8pm" and assessment.weighting == "context_greater"


def test_assessment_page(client_for, partnership):
    assessment = partnership.assessment
    html = client_for("voluntary").get(reverse("cases:assessment_detail", args=[assessment.pk])).content.decode()
    assert "Poor lighting, no staff after 8pm" in html
    assert "The young people&#x27;s own views" in html
    assert reverse("cases:assessment_edit", args=[assessment.pk]) in html
    assert reverse("cases:plan_detail", args=[partnership.plan.pk]) in html
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="cases.contextassessment", object_id=str(assessment.pk)
    ).exists()


def test_save_a_draft_then_complete(client_for, partnership):
    assessment = partnership.assessment
    client = client_for("caseworker")
    url = reverse("cases:assessment_edit", args=[assessment.pk])
    response = client.post(url, {**assessment_data(assessment), "action": "save"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.version, assessment.strengths) == (
        "draft",
        2,
        "Staffed ticket office until 6pm",
    )

    response = client.post(url, {**assessment_data(assessment), "action": "complete"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.completed_on) == ("completed", timezone.localdate())

    # A completed assessment can no longer be changed.
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("cases:assessment_detail", args=[assessment.pk])
    response = client.post(url, {**assessment_data(assessment, strengths="Changed"), "action": "save"})
    assessment.refresh_from_db()
    assert assessment.strengths == "Staffed ticket office until 6pm"
    html = client.get(reverse("cases:assessment_detail", args=[assessment.pk])).content.decode()
    assert reverse("cases:assessment_edit", args=[assessment.pk]) not in html


def test_completing_needs_the_concerns(client_for, partnership):
    assessment = partnership.assessment
    ContextAssessment.objects.filter(pk=assessment.pk).update(concerns="")
    response = client_for("caseworker").post(
        reverse("cases:assessment_edit", args=[assessment.pk]),
        {**assessment_data(assessment, concerns=""), "action": "complete"},
    )
    assert response.status_code == 200
    assert "Record the concerns before completing the assessment" in response.content.decode()
    assessment.refresh_from_db()
    assert (assessment.status, assessment.version) == ("draft", 1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weighting": "heavy"}, "Choose how this context weighs against home and other contexts"),
        ({"weighting": ""}, "Choose how this context weighs against home and other contexts"),
        ({"strengths": "x" * 10001}, "Strengths must be 10000 characters or fewer"),
        ({"weighting_rationale": "x" * 5001}, "Why you weighed it this way must be 5000 characters or fewer"),
    ],
)
def test_bad_assessments_are_refused(client_for, partnership, changes, message):
    assessment = partnership.assessment
    client = client_for("caseworker")
    response = client.post(
        reverse("cases:assessment_edit", args=[assessment.pk]),
        {**assessment_data(assessment, **changes), "action": "save"},
    )
    assert response.status_code == 200 and message in response.content.decode()
    response = client.post(
        reverse("cases:assessment_create", args=[partnership.hotspot.pk]), assessment_data(**changes)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert ContextAssessment.objects.count() == 1
    assessment.refresh_from_db()
    assert assessment.version == 1


def test_assessment_version_conflict_keeps_what_was_typed(client_for, partnership):
    assessment = partnership.assessment
    stale = {**assessment_data(assessment, strengths="My strengths"), "action": "save"}
    ContextAssessment.objects.filter(pk=assessment.pk).update(strengths="Their strengths", version=2)
    client = client_for("caseworker")
    url = reverse("cases:assessment_edit", args=[assessment.pk])
    response = client.post(url, stale)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this assessment while you were editing it" in html
    assert "My strengths" in html and "Their strengths" in html
    assessment.refresh_from_db()
    assert (assessment.strengths, assessment.version) == ("Their strengths", 2)
    assert client.post(url, {**stale, "version": 2}).status_code == 302
    assessment.refresh_from_db()
    assert (assessment.strengths, assessment.version) == ("My strengths", 3)


def test_script_in_an_assessment_is_shown_as_text(client_for, partnership):
    assessment = partnership.assessment
    client = client_for("caseworker")
    client.post(
        reverse("cases:assessment_edit", args=[assessment.pk]),
        {
            **assessment_data(assessment, **dict.fromkeys(["strengths", "concerns", "weighting_rationale"], XSS)),
            "action": "save",
        },
    )
    html = client.get(reverse("cases:assessment_detail", args=[assessment.pk])).content.decode()
    assert XSS not in html and "&lt;script&gt;" in html


def test_assessment_pages_refuse_outsiders(client_for, partnership):
    assessment = partnership.assessment
    for persona in ("police", "manager", "mentor", "dpo"):
        client = client_for(persona)
        for route in ("cases:assessment_detail", "cases:assessment_edit"):
            response = client.get(reverse(route, args=[assessment.pk]))
            assert response.status_code == 404
            assert "Poor lighting" not in response.content.decode()
        response = client.post(
            reverse("cases:assessment_edit", args=[assessment.pk]),
            {**assessment_data(assessment, strengths="Hacked"), "action": "complete"},
        )
        assert response.status_code == 404
        response = client.post(reverse("cases:assessment_create", args=[partnership.hotspot.pk]), assessment_data())
        assert response.status_code == 404
    assessment.refresh_from_db()
    assert (assessment.status, assessment.strengths, assessment.version) == ("draft", "", 1)
    assert ContextAssessment.objects.count() == 1


# Plans -----------------------------------------------------------------------------------------


def plan_data(p, **changes) -> dict:
    data = {
        "title": "Safer bus station after dark",
        **date_fields("review_on", timezone.localdate() + timedelta(days=30)),
        "assessment": p.assessment.pk,
        "children": [p.council_child.pk],
    }
    return {**data, **changes}


def link(p, child, context=None):
    return ContextLink.objects.create(
        child=child,
        context=context or p.hotspot,
        role="member",
        source_agency=p.agencies["council"],
        recorded_by=p.users["caseworker"],
    )


def test_plan_form_offers_only_visible_linked_children(client_for, partnership):
    html = client_for("caseworker").get(reverse("cases:plan_create", args=[partnership.hotspot.pk])).content.decode()
    assert full_name(partnership.council_child) in html
    assert full_name(partnership.voluntary_child) not in html  # linked, but not theirs to see
    assert full_name(partnership.shared_child) not in html  # theirs, but not linked
    assert 'type="checkbox"' in html


def test_make_a_plan_linked_to_two_children(client_for, partnership):
    link(partnership, partnership.shared_child)
    client = client_for("caseworker")
    response = client.post(
        reverse("cases:plan_create", args=[partnership.hotspot.pk]),
        plan_data(partnership, children=[partnership.council_child.pk, partnership.shared_child.pk]),
    )
    plan = ContextPlan.objects.get(title="Safer bus station after dark")
    assert response.status_code == 302
    assert response.url == reverse("cases:plan_detail", args=[plan.pk])
    assert set(plan.children.all()) == {partnership.council_child, partnership.shared_child}
    assert (plan.assessment, plan.owner, plan.status) == (
        partnership.assessment,
        partnership.users["caseworker"],
        "active",
    )
    html = client.get(response.url).content.decode()
    assert full_name(partnership.council_child) in html and full_name(partnership.shared_child) in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Enter a title"),
        ({"title": "x" * 201}, "Title must be 200 characters or fewer"),
        (
            date_fields("review_on", timezone.localdate() - timedelta(days=1)),
            "The review date must be today or in the future",
        ),
        ({"review_on_day": ""}, "Enter a day, month and year"),
        ({"assessment": "999999"}, "Choose an assessment of this context"),
        ({"children": ["999999"]}, "Choose young people linked to this context"),
        ({"children": ["abc"]}, "Choose young people linked to this context"),
    ],
)
def test_bad_plans_are_refused(client_for, partnership, changes, message):
    response = client_for("caseworker").post(
        reverse("cases:plan_create", args=[partnership.hotspot.pk]), plan_data(partnership, **changes)
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode() and message in response.content.decode()
    assert ContextPlan.objects.count() == 1


def test_plan_cannot_name_children_not_linked_or_not_visible(client_for, partnership):
    client = client_for("caseworker")
    url = reverse("cases:plan_create", args=[partnership.hotspot.pk])
    for child in (partnership.voluntary_child, partnership.shared_child, partnership.unlinked_child):
        response = client.post(url, plan_data(partnership, children=[child.pk]))
        assert response.status_code == 200
        assert "Choose young people linked to this context" in response.content.decode()
        assert full_name(child) not in response.content.decode()
    # An assessment of another context (even one they can see) is refused too.
    other = ContextAssessment.objects.create(
        context=partnership.peer_group, started_on=timezone.localdate(), assessor=partnership.users["caseworker"]
    )
    response = client.post(url, plan_data(partnership, assessment=other.pk))
    assert "Choose an assessment of this context" in response.content.decode()
    assert ContextPlan.objects.count() == 1


def test_plan_page_shows_goals_responses_and_only_visible_children(client_for, partnership):
    plan = partnership.plan
    goal = PlanGoal.objects.create(plan=plan, description="No assaults on the concourse")
    PlanResponse.objects.create(
        goal=goal,
        action="Security patrol 8pm to midnight",
        owner_agency=partnership.agencies["council"],
        owner=partnership.users["caseworker"],
        measure="Incidents logged by the operator",
        review_on=plan.review_on,
        status="in_progress",
    )
    html = client_for("caseworker").get(reverse("cases:plan_detail", args=[plan.pk])).content.decode()
    for text in ("No assaults on the concourse", "Security patrol 8pm to midnight", "Incidents logged by the operator"):
        assert text in html
    assert full_name(partnership.council_child) in html
    assert "In progress" in html

    html = client_for("voluntary").get(reverse("cases:plan_detail", args=[plan.pk])).content.decode()
    assert "Security patrol 8pm to midnight" in html
    assert full_name(partnership.council_child) not in html
    assert "No young people you can see are linked to this plan." in html

    read = AuditEvent.objects.filter(action=AuditAction.READ, object_type="cases.contextplan", object_id=str(plan.pk))
    assert read.count() == 2
    listed = AuditEvent.objects.get(action=AuditAction.LIST, user=partnership.users["caseworker"])
    assert list(AuditSubject.objects.filter(event=listed).values_list("object_id", flat=True)) == [
        str(partnership.council_child.pk)
    ]


def test_changing_plan_children_keeps_those_the_user_cannot_see(client_for, partnership):
    plan = partnership.plan
    client = client_for("voluntary")
    url = reverse("cases:plan_children", args=[plan.pk])
    html = client.get(url).content.decode()
    assert full_name(partnership.voluntary_child) in html
    assert full_name(partnership.council_child) not in html
    response = client.post(url, {"children": [partnership.voluntary_child.pk]})
    assert response.status_code == 302
    assert set(plan.children.all()) == {partnership.council_child, partnership.voluntary_child}
    # Nor can they take off a child they cannot see by naming it.
    response = client.post(url, {"children": [partnership.council_child.pk]})
    assert "Choose young people linked to this context" in response.content.decode()
    assert set(plan.children.all()) == {partnership.council_child, partnership.voluntary_child}
    # Clearing their own choices leaves the hidden child.
    client.post(url, {})
    assert set(plan.children.all()) == {partnership.council_child}


def test_edit_a_plan(client_for, partnership):
    plan = partnership.plan
    client = client_for("caseworker")
    url = reverse("cases:plan_edit", args=[plan.pk])
    assert client.get(url).status_code == 200
    new_review = timezone.localdate() + timedelta(days=60)
    data = {"title": "Renamed plan", "status": "closed", **date_fields("review_on", new_review), "version": 1}
    assert client.post(url, data).status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.status, plan.review_on, plan.version) == ("Renamed plan", "closed", new_review, 2)


def test_plan_edit_refuses_a_review_date_moved_into_the_past(client_for, partnership):
    plan = partnership.plan
    past = timezone.localdate() - timedelta(days=1)
    data = {"title": plan.title, "status": "active", **date_fields("review_on", past), "version": 1}
    response = client_for("caseworker").post(reverse("cases:plan_edit", args=[plan.pk]), data)
    assert "The review date must be today or in the future" in response.content.decode()
    plan.refresh_from_db()
    assert plan.version == 1


def test_an_overdue_plan_can_be_closed_without_a_new_date(client_for, partnership):
    plan = partnership.plan
    past = timezone.localdate() - timedelta(days=5)
    ContextPlan.objects.filter(pk=plan.pk).update(review_on=past)
    data = {"title": plan.title, "status": "closed", **date_fields("review_on", past), "version": 1}
    assert client_for("caseworker").post(reverse("cases:plan_edit", args=[plan.pk]), data).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "closed"


def test_plan_version_conflict_keeps_what_was_typed(client_for, partnership):
    plan = partnership.plan
    data = {"title": "My title", "status": "active", **date_fields("review_on", plan.review_on), "version": 1}
    ContextPlan.objects.filter(pk=plan.pk).update(title="Their title", version=2)
    client = client_for("caseworker")
    response = client.post(reverse("cases:plan_edit", args=[plan.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this plan while you were editing it" in html
    assert 'value="My title"' in html and "Their title" in html
    plan.refresh_from_db()
    assert plan.title == "Their title"


def test_goals_and_responses(client_for, partnership):
    plan = partnership.plan
    client = client_for("caseworker")
    response = client.post(reverse("cases:plan_goal_create", args=[plan.pk]), {"description": "No assaults"})
    goal = PlanGoal.objects.get(plan=plan)
    assert response.url == reverse("cases:plan_detail", args=[plan.pk]) + f"#goal-{goal.pk}"

    url = reverse("cases:plan_response_create", args=[goal.pk])
    assert "Person responsible" in client.get(url).content.decode()
    data = {
        "action": "Licensing visit",
        "owner_agency": partnership.agencies["police"].pk,
        "owner": partnership.users["police"].pk,
        "measure": "Premises licence reviewed",
        **date_fields("review_on", timezone.localdate() + timedelta(days=14)),
    }
    assert client.post(url, data).status_code == 302
    response = PlanResponse.objects.get(goal=goal)
    assert (response.owner_agency, response.owner, response.status) == (
        partnership.agencies["police"],
        partnership.users["police"],
        "not_started",
    )

    status_url = reverse("cases:plan_response_status", args=[response.pk])
    result = client.post(status_url, {f"response-{response.pk}-status": "done"})
    assert result.status_code == 302
    response.refresh_from_db()
    assert response.status == "done"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action": ""}, "Enter the action"),
        ({"action": "x" * 501}, "Action must be 500 characters or fewer"),
        ({"measure": ""}, "Enter how you will know it has worked"),
        ({"owner_agency": "999999"}, "Choose the agency responsible"),
        ({"owner": "999999"}, "Choose a person from the list"),
        ({"owner_agency": "POLICE", "owner": "CASEWORKER"}, "Choose someone who works for the agency responsible"),
        ({"review_on_year": "2000"}, "The review date must be today or in the future"),
    ],
)
def test_bad_responses_are_refused(client_for, partnership, changes, message):
    goal = PlanGoal.objects.create(plan=partnership.plan, description="No assaults")
    aliases = {"POLICE": partnership.agencies["police"].pk, "CASEWORKER": partnership.users["caseworker"].pk}
    data = {
        "action": "Licensing visit",
        "owner_agency": partnership.agencies["council"].pk,
        "owner": "",
        "measure": "Licence reviewed",
        **date_fields("review_on", timezone.localdate() + timedelta(days=14)),
    }
    data.update({key: aliases.get(value, value) for key, value in changes.items()})
    response = client_for("caseworker").post(reverse("cases:plan_response_create", args=[goal.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PlanResponse.objects.exists()


def test_bad_goal_and_status_are_refused(client_for, partnership):
    plan = partnership.plan
    client = client_for("caseworker")
    for description, message in (("", "Enter the goal"), ("x" * 501, "Goal must be 500 characters or fewer")):
        response = client.post(reverse("cases:plan_goal_create", args=[plan.pk]), {"description": description})
        assert response.status_code == 200 and message in response.content.decode()
    assert not PlanGoal.objects.exists()

    goal = PlanGoal.objects.create(plan=plan, description="No assaults")
    response = PlanResponse.objects.create(
        goal=goal,
        action="Patrol",
        owner_agency=partnership.agencies["council"],
        measure="Fewer",
        review_on=plan.review_on,
    )
    result = client.post(
        reverse("cases:plan_response_status", args=[response.pk]), {f"response-{response.pk}-status": "finished"}
    )
    assert result.status_code == 400
    html = result.content.decode()
    assert "Choose a status" in html and f'href="#id_response-{response.pk}-status"' in html
    response.refresh_from_db()
    assert response.status == "not_started"


def test_script_in_a_plan_is_shown_as_text(client_for, partnership):
    client = client_for("caseworker")
    client.post(reverse("cases:plan_create", args=[partnership.hotspot.pk]), plan_data(partnership, title=XSS))
    plan = ContextPlan.objects.get(title=XSS)
    client.post(reverse("cases:plan_goal_create", args=[plan.pk]), {"description": XSS})
    goal = PlanGoal.objects.get(plan=plan)
    data = {
        "action": XSS,
        "owner_agency": partnership.agencies["council"].pk,
        "measure": XSS,
        **date_fields("review_on", timezone.localdate()),
    }
    assert client.post(reverse("cases:plan_response_create", args=[goal.pk]), data).status_code == 302
    for url in (
        reverse("cases:plan_detail", args=[plan.pk]),
        reverse("cases:context_detail", args=[partnership.hotspot.pk]),
    ):
        html = client.get(url).content.decode()
        assert XSS not in html and "&lt;script&gt;" in html


def test_plan_routes_refuse_outsiders_and_change_nothing(client_for, partnership):
    plan = partnership.plan
    goal = PlanGoal.objects.create(plan=plan, description="No assaults")
    response = PlanResponse.objects.create(
        goal=goal,
        action="Patrol",
        owner_agency=partnership.agencies["council"],
        measure="Fewer",
        review_on=plan.review_on,
    )
    review = date_fields("review_on", timezone.localdate() + timedelta(days=5))
    posts = [
        ("cases:plan_create", partnership.hotspot.pk, plan_data(partnership, title="Outsider plan")),
        ("cases:plan_edit", plan.pk, {"title": "Hacked", "status": "closed", **review, "version": 1}),
        ("cases:plan_children", plan.pk, {"children": []}),
        ("cases:plan_goal_create", plan.pk, {"description": "Outsider goal"}),
        (
            "cases:plan_response_create",
            goal.pk,
            {"action": "X", "owner_agency": partnership.agencies["police"].pk, "measure": "X", **review},
        ),
        ("cases:plan_response_status", response.pk, {f"response-{response.pk}-status": "done"}),
    ]
    for persona in ("police", "manager", "mentor", "dpo"):
        client = client_for(persona)
        for route in ("cases:plan_detail", "cases:plan_edit", "cases:plan_children", "cases:plan_goal_create"):
            page = client.get(reverse(route, args=[plan.pk]))
            assert page.status_code == 404 and plan.title not in page.content.decode()
        assert client.get(reverse("cases:plan_response_create", args=[goal.pk])).status_code == 404
        for route, pk, data in posts:
            result = client.post(reverse(route, args=[pk]), data)
            assert result.status_code == 404, (persona, route)
            assert plan.title not in result.content.decode()
    plan.refresh_from_db()
    response.refresh_from_db()
    assert (plan.title, plan.status, plan.version) == ("Make the bus station safer", "active", 1)
    assert set(plan.children.all()) == {partnership.council_child}
    assert response.status == "not_started"
    assert PlanGoal.objects.count() == 1 and PlanResponse.objects.count() == 1 and ContextPlan.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="cases.plangoal").exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="cases.planresponse").exists()


def test_a_mentor_who_can_see_a_plan_cannot_change_it(client_for, partnership, mentor_general_grant):
    link(partnership, partnership.mentee)
    client = client_for("mentor")
    plan = partnership.plan
    assert client.get(reverse("cases:plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("cases:plan_edit", args=[plan.pk])).status_code == 403
    assert client.post(reverse("cases:plan_goal_create", args=[plan.pk]), {"description": "X"}).status_code == 403
    assert not PlanGoal.objects.exists()


def test_owner_choices_are_staff_with_editing_roles(client_for, partnership):
    extra = UserFactory(username="second_officer", first_name="Second", last_name="Officer")
    MembershipFactory(user=extra, agency=partnership.agencies["police"], role="police_officer")
    goal = PlanGoal.objects.create(plan=partnership.plan, description="No assaults")
    html = client_for("caseworker").get(reverse("cases:plan_response_create", args=[goal.pk])).content.decode()
    assert "Second Officer" in html
    dpo = partnership.users["dpo"]
    assert f'value="{dpo.pk}"' not in html


# Query counts ----------------------------------------------------------------------------------


def grow_plan(p, count: int) -> None:
    plan = p.plan
    for index in range(count):
        goal = PlanGoal.objects.create(plan=plan, description=f"Goal {index}")
        for number in range(3):
            PlanResponse.objects.create(
                goal=goal,
                action=f"Action {index}.{number}",
                owner_agency=p.agencies["police" if number else "council"],
                owner=p.users["caseworker"] if number == 1 else None,
                measure="Measure",
                review_on=plan.review_on,
            )
        child = InvolvementFactory(agency=p.agencies["council"]).child
        link(p, child)
        plan.children.add(child, ChildFactory())


def test_plan_page_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    grow_plan(partnership, 1)
    client = client_for("caseworker")
    url = reverse("cases:plan_detail", args=[partnership.plan.pk])
    client.get(url)
    with django_assert_num_queries(PLAN_PAGE_QUERIES):
        client.get(url)
    grow_plan(partnership, 6)
    with django_assert_num_queries(PLAN_PAGE_QUERIES):
        response = client.get(url)
    assert len(response.context["goals"]) == 7
    assert len(response.context["children"]) == 8


def test_assessment_page_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    assessment = partnership.assessment
    client = client_for("caseworker")
    url = reverse("cases:assessment_detail", args=[assessment.pk])
    client.get(url)
    with django_assert_num_queries(ASSESSMENT_PAGE_QUERIES):
        client.get(url)
    for index in range(5):
        ContextPlan.objects.create(
            context=partnership.hotspot,
            assessment=assessment,
            title=f"Plan {index}",
            review_on=timezone.localdate(),
            owner=partnership.users["caseworker"],
        )
    with django_assert_num_queries(ASSESSMENT_PAGE_QUERIES):
        assert len(client.get(url).context["plans"]) == 6


def test_plan_children_form_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    client = client_for("caseworker")
    url = reverse("cases:plan_children", args=[partnership.plan.pk])
    client.get(url)
    with django_assert_num_queries(PLAN_CHILDREN_QUERIES):
        client.get(url)
    grow_plan(partnership, 5)
    with django_assert_num_queries(PLAN_CHILDREN_QUERIES):
        client.get(url)


def test_plans_are_not_in_contexts_the_user_cannot_see(client_for, partnership):
    """A plan on the police-only location is invisible to everyone outside the police."""
    hidden = ContextPlan.objects.create(
        context=partnership.police_location,
        title="Hotel disruption plan",
        review_on=timezone.localdate(),
        owner=partnership.users["police"],
    )
    assert client_for("police").get(reverse("cases:plan_detail", args=[hidden.pk])).status_code == 200
    for persona in ("caseworker", "voluntary", "outreach"):
        response = client_for(persona).get(reverse("cases:plan_detail", args=[hidden.pk]))
        assert response.status_code == 404 and "Hotel disruption plan" not in response.content.decode()
    assert Context.objects.filter(pk=partnership.police_location.pk).exists()


PLAN_PAGE_QUERIES = 12
ASSESSMENT_PAGE_QUERIES = 8
PLAN_CHILDREN_QUERIES = 12
