"""Panels and lists (issue 18, point 6): an action's status changes only when the user picks the
new one; actions say what they are about (or that it is someone the viewer cannot see); the chair
sees every action of their meeting; "newest first" lists are newest first; GOV.UK date inputs."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions.models import ActionStatus, AgendaItem, Panel, PanelAction, PanelMeeting

pytestmark = pytest.mark.django_db


def meeting_with_actions(p, *, held_on=None):
    panel, _ = Panel.objects.get_or_create(
        name="Exploitation panel", defaults={"chair_agency": p.agencies["youth_justice"]}
    )
    meeting = PanelMeeting.objects.create(
        panel=panel, held_on=held_on or timezone.localdate() - timedelta(days=7), chair=p.users["manager"]
    )
    meeting.agencies_present.set([p.agencies["council"], p.agencies["youth_justice"]])
    item = AgendaItem.objects.create(meeting=meeting, child=p.council_child, decision="Strategy discussion")
    owners = (("caseworker", "council"),) * 3 + (("manager", "youth_justice"),)
    for number, (owner, agency) in enumerate(owners):
        PanelAction.objects.create(
            meeting=meeting,
            agenda_item=item,
            description=f"Secret step {number} for {p.council_child.given_name}",
            owner=p.users[owner],
            owner_agency=p.agencies[agency],
            due_on=timezone.localdate() - timedelta(days=2),
        )
    return meeting


def test_the_chair_sees_every_action_of_their_meeting_without_details_they_may_not_see(client_for, partnership):
    p = partnership
    meeting = meeting_with_actions(p)
    body = client_for("manager").get(reverse("interventions:meeting_detail", args=[meeting.pk])).content.decode()
    assert "No actions" not in body
    assert body.count("About a young person you cannot see") == 4
    assert body.count("Details withheld") == 3  # the chair's own action keeps its description
    assert "Secret step 3" in body
    assert p.council_child.family_name not in body


def test_actions_name_the_young_person_for_those_who_can_see_them(client_for, partnership):
    p = partnership
    meeting_with_actions(p)
    body = client_for("caseworker").get(reverse("interventions:task_list")).content.decode()
    child = p.council_child
    assert body.count(f'About <a class="govuk-link" href="{reverse("cases:child_detail", args=[child.pk])}">') == 3


def test_the_overdue_page_tells_rows_apart(client_for, partnership):
    p = partnership
    p.users["manager"].memberships.update(agency=p.agencies["council"])  # now manages the council
    meeting_with_actions(p)
    body = client_for("manager").get(reverse("interventions:overdue_actions")).content.decode()
    assert "longest overdue first" in body
    # Eight identical rows before: each row now says whom it is about.
    assert body.count(f"{p.council_child.family_name}</a> ({p.council_child.reference})") == 3  # the council's


def test_no_status_is_chosen_for_the_user(client_for, partnership):
    p = partnership
    meeting = meeting_with_actions(p)
    action = meeting.actions.filter(owner=p.users["caseworker"]).first()
    client = client_for("caseworker")
    body = client.get(reverse("interventions:meeting_detail", args=[meeting.pk])).content.decode()
    form = body[body.index(f'id="status-{action.pk}"') :]
    form = form[: form.index("</select>")]
    assert '<option value="" selected>Choose a new status</option>' in form
    assert 'value="open"' not in form  # it is open already: only a real change is offered
    response = client.post(reverse("interventions:action_status", args=[action.pk]), {"status": ""})
    assert response.status_code == 400 and "Choose the new status" in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    response = client.post(reverse("interventions:action_status", args=[action.pk]), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_reopening_offers_open_again_not_done(client_for, partnership):
    p = partnership
    meeting = meeting_with_actions(p)
    action = meeting.actions.filter(owner=p.users["caseworker"]).first()
    PanelAction.objects.filter(pk=action.pk).update(status=ActionStatus.DONE)
    body = client_for("caseworker").get(reverse("interventions:meeting_detail", args=[meeting.pk])).content.decode()
    form = body[body.index(f'id="status-{action.pk}"') :]
    form = form[: form.index("</select>")]
    assert 'value="open">Open again' in form and 'value="done"' not in form


def test_meetings_newest_first(client_for, partnership):
    p = partnership
    today = timezone.localdate()
    for days in (30, 10, 20):
        meeting_with_actions(p, held_on=today - timedelta(days=days))
    body = client_for("manager").get(reverse("interventions:panel_list")).content.decode()
    dates = [f'">{today - timedelta(days=days):%-d %b %Y}<' for days in (10, 20, 30)]
    positions = [body.index(text) for text in dates]
    assert positions == sorted(positions)


def test_the_period_uses_gov_uk_date_inputs(client_for, partnership):
    body = client_for("manager").get(reverse("interventions:panel_list")).content.decode()
    assert 'type="date"' not in body
    assert 'name="start_day"' in body and 'name="end_year"' in body


def test_the_api_withholds_descriptions_about_hidden_young_people(client_for, partnership):
    p = partnership
    meeting = meeting_with_actions(p)
    actions = client_for("manager").get(f"/api/v1/panel-meetings/{meeting.pk}/").json()["actions"]
    assert len(actions) == 4
    assert [a["description"] is None for a in actions].count(True) == 3
    assert all(a["subject_visible"] is False for a in actions)
