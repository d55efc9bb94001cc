"""Alert emails, caught by a real SMTP server on a free local port (aiosmtpd) through Django's SMTP
backend: a return home interview due and overdue, emergency access used (to the data protection
officer), a panel action overdue, a concern from a mentor; immediate or a daily digest, as each user
chooses on their alert emails page; never a young person's name or details, only a link; and an
address the mail server refuses is recorded on the alert and logged, with nothing else stopped."""

import socket
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from accounts import notifications
from accounts.models import EmailChoice, Notification, NotificationKind, User
from audit.models import AuditEvent
from cases.models import Child
from cases.services import children as child_services
from interventions import alerts
from interventions.models import ActionStatus, PanelAction, Task, TaskKind
from interventions.services import missing as missing_services
from mentoring import services as mentoring_services
from tests.mentoring_helpers import partnership_match
from tests.test_panels import make_meeting

pytestmark = pytest.mark.django_db

BOUNCE = "bounce@example.org"


class Catcher:
    """An SMTP server's handler: keeps each message; refuses any recipient starting "bounce"."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Delivered-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["X-Delivered-To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A local SMTP server, and Django's SMTP backend pointed at it. Outbox jobs run in-process when
    the transaction commits (as without Redis), also when the suite runs with REDIS_URL set."""
    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "https://safeguarding.example.org"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield catcher
    controller.stop()


def with_email(user: User, address: str = "", choice: str = EmailChoice.IMMEDIATE) -> User:
    User.objects.filter(pk=user.pk).update(email=address or f"{user.username}@example.org", notification_emails=choice)
    user.refresh_from_db()
    return user


def assert_says_nothing_about(message: EmailMessage, *children: Child) -> None:
    text = f"{message['Subject']}\n{message.get_content()}"
    for child in children:
        for detail in (child.given_name, child.family_name, child.reference, f"{child.date_of_birth:%d %b %Y}"):
            assert detail and detail not in text, f"{detail!r} is in an email"


def returned(p, returned_hours_ago: float, commit_callbacks):
    """The council child, led by the caseworker, reported missing and back `returned_hours_ago`."""
    child = p.council_child
    Child.objects.filter(pk=child.pk).update(lead_professional=p.users["caseworker"])
    child.refresh_from_db()
    now = timezone.now()
    user = p.users["caseworker"]
    with commit_callbacks(execute=True):
        episode = missing_services.report_missing(
            user, child, reported_missing_at=now - timedelta(hours=returned_hours_ago + 5), risk_grading="high"
        )
        missing_services.record_return(
            user, episode, returned_at=now - timedelta(hours=returned_hours_ago), where_found="At a friend's flat"
        )
    return child, Task.objects.get(missing_episode=episode)


def test_a_return_home_interview_due_is_emailed_with_a_link_and_nothing_about_the_child(
    partnership, smtp, django_capture_on_commit_callbacks
):
    caseworker = with_email(partnership.users["caseworker"])
    child, task = returned(partnership, 2, django_capture_on_commit_callbacks)
    [message] = smtp.to(caseworker.email)
    assert message["Subject"] == "A return home interview is due"
    assert f"https://safeguarding.example.org{reverse('interventions:task_detail', args=[task.pk])}" in (
        message.get_content()
    )
    assert_says_nothing_about(message, child)
    alert = Notification.objects.get(user=caseworker, kind=NotificationKind.INTERVIEW_DUE)
    assert alert.emailed_at is not None and alert.email_error == ""
    # The inbox on the home page still says which task (the signed-in user may see it).
    assert child.reference in alert.message


def test_overdue_interviews_and_panel_actions_are_emailed_once(partnership, smtp, django_capture_on_commit_callbacks):
    p = partnership
    caseworker = with_email(p.users["caseworker"])
    manager = with_email(p.users["manager"])
    child, task = returned(p, 80, django_capture_on_commit_callbacks)
    today = timezone.localdate()
    meeting = make_meeting(p, held_on=today - timedelta(days=20))
    late = PanelAction.objects.create(
        meeting=meeting,
        description=f"Speak to {child.given_name}'s school",
        owner=manager,
        owner_agency=p.agencies["youth_justice"],
        due_on=today - timedelta(days=2),
    )
    PanelAction.objects.create(
        meeting=meeting,
        description="Not due yet",
        owner=manager,
        owner_agency=p.agencies["youth_justice"],
        due_on=today,
    )
    PanelAction.objects.create(
        meeting=meeting,
        description="Done already",
        owner=manager,
        owner_agency=p.agencies["youth_justice"],
        due_on=today - timedelta(days=3),
        status=ActionStatus.DONE,
    )
    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.alert_overdue() == 2
    [interview] = smtp.to(caseworker.email)
    assert interview["Subject"] == "A return home interview is overdue"
    assert reverse("interventions:task_detail", args=[task.pk]) in interview.get_content()
    [action] = smtp.to(manager.email)
    assert action["Subject"] == "A panel action is overdue"
    assert f"{reverse('interventions:task_list')}#action-{late.pk}" in action.get_content()
    for message in smtp.messages:
        assert_says_nothing_about(message, child)
    # The next hour's check tells nobody again; a task done in time is never overdue.
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.alert_overdue() == 0
    assert len(smtp.messages) == 2


def test_emergency_access_is_emailed_to_the_data_protection_officer(
    partnership, smtp, django_capture_on_commit_callbacks
):
    p = partnership
    dpo = with_email(p.users["dpo"])
    with_email(p.users["manager"])
    child = p.unlinked_child
    with django_capture_on_commit_callbacks(execute=True):
        child_services.break_glass(
            p.users["police"],
            reference=child.reference,
            date_of_birth=child.date_of_birth,
            reason="Found at a hotel flagged for exploitation",
            hours=1,
        )
    [message] = smtp.messages
    assert message["X-Delivered-To"] == dpo.email
    assert message["Subject"] == "Someone used emergency access"
    assert f"https://safeguarding.example.org{reverse('oversight:break_glass_list')}" in message.get_content()
    assert_says_nothing_about(message, child)


def test_a_mentors_concern_is_emailed_to_the_lead_professional(partnership, smtp, django_capture_on_commit_callbacks):
    p = partnership
    match = partnership_match(p)
    lead = with_email(p.users["caseworker"])
    Child.objects.filter(pk=match.child_id).update(lead_professional=lead)
    match.child.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        concern = mentoring_services.raise_concern(
            p.users["mentor"], match, what_happened="Older boys waited for him after school"
        )
    [message] = smtp.to(lead.email)
    assert message["Subject"] == "A community mentor raised a concern"
    assert reverse("interventions:task_detail", args=[concern.task_id]) in message.get_content()
    assert "Older boys" not in message.get_content()
    assert_says_nothing_about(message, match.child)


def test_a_daily_digest_counts_the_alerts_once_and_immediate_users_are_not_in_it(
    partnership, smtp, django_capture_on_commit_callbacks
):
    p = partnership
    caseworker = with_email(p.users["caseworker"], choice=EmailChoice.DAILY)
    dpo = with_email(p.users["dpo"])
    child, _task = returned(p, 80, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        alerts.alert_overdue()
        notifications.notify(dpo, NotificationKind.EMERGENCY_ACCESS, "Emergency access used", "/oversight/")
        notifications.notify(caseworker, NotificationKind.OTHER, "Not an emailed kind")
    assert [message["X-Delivered-To"] for message in smtp.messages] == [dpo.email]
    assert notifications.send_daily_digests() == 1
    digest = smtp.to(caseworker.email)[0]
    assert digest["Subject"] == "Your alerts today: 2"
    body = digest.get_content()
    assert "A return home interview is due: 1" in body and "A return home interview is overdue: 1" in body
    assert "Not an emailed kind" not in body
    assert_says_nothing_about(digest, child)
    assert notifications.send_daily_digests() == 0
    assert len(smtp.messages) == 2


def test_a_refused_address_is_recorded_and_nothing_else_breaks(
    partnership, smtp, django_capture_on_commit_callbacks, monkeypatch
):
    p = partnership
    warnings: list[str] = []
    monkeypatch.setattr(notifications.logger, "warning", lambda text, *args: warnings.append(text % args))
    caseworker = with_email(p.users["caseworker"], BOUNCE)
    dpo = with_email(p.users["dpo"], choice=EmailChoice.DAILY)
    manager = with_email(p.users["manager"], "bounce-manager@example.org", choice=EmailChoice.DAILY)
    _child, task = returned(p, 2, django_capture_on_commit_callbacks)
    # The return and its task were recorded; the alert says the address was refused.
    assert task.missing_episode.returned_at is not None and task.kind == TaskKind.RETURN_HOME_INTERVIEW
    alert = Notification.objects.get(user=caseworker)
    assert alert.email_error == notifications.REFUSED and alert.emailed_at is None
    assert warnings == [f"Alert email to user {caseworker.pk} refused by the mail server"]
    assert not smtp.messages
    # Trying again sends nothing; one refused digest does not stop the others.
    assert notifications.email_notification(alert.pk) is False
    for user in (dpo, manager):
        notifications.notify(user, NotificationKind.EMERGENCY_ACCESS, "Emergency access used", "/oversight/")
    assert notifications.send_daily_digests() == 1
    assert [message["X-Delivered-To"] for message in smtp.messages] == [dpo.email]
    assert Notification.objects.get(user=manager).email_error == notifications.REFUSED


def test_each_user_chooses_immediate_or_daily_on_their_alert_emails_page(client_for, partnership):
    client = client_for("police")
    page = client.get(reverse("accounts:alert_emails"))
    body = page.content.decode()
    assert page.status_code == 200 and "As each alert happens" in body and "Once a day, in one email" in body
    assert 'value="immediate" checked' in body
    response = client.post(reverse("accounts:alert_emails"), {"notification_emails": "daily"})
    assert response.status_code == 302
    police = User.objects.get(username="police")
    assert police.notification_emails == EmailChoice.DAILY
    update = AuditEvent.objects.get(object_type="accounts.user", object_id=str(police.pk), action="update")
    assert update.detail["changed"] == ["notification_emails"]
    assert 'value="daily" checked' in client.get(reverse("accounts:alert_emails")).content.decode()


@pytest.mark.parametrize("choice", ["", "hourly"])
def test_an_alert_emails_choice_that_is_not_offered_is_refused(client_for, partnership, choice):
    response = client_for("police").post(reverse("accounts:alert_emails"), {"notification_emails": choice})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="govuk-error-summary"' in body and "Select how you want alert emails" in body
    assert User.objects.get(username="police").notification_emails == EmailChoice.IMMEDIATE
