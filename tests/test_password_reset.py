"""A forgotten password (ASVS 5.0 V6.4.3): the person asks by email address, gets a link that works
once and for a limited time, sets a new password, and must still give their authenticator code to
sign in. The asker learns nothing about who has an account; every step is audited; mistakes change
nothing. After any change to how someone signs in, they are told by email (V6.3.7)."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, TestCase
from django.urls import reverse

from access import services as access_services
from accounts import services, two_factor
from accounts.models import EmailChoice, User
from audit.models import AuditAction, AuditEvent
from tests.test_signed_in_sessions import PASSWORD

pytestmark = pytest.mark.django_db
NEW = "a kettle of grey herons"
ADDRESS = "casey.worker@council.example.org"
FORGOTTEN = reverse("accounts:forgotten_password")
LINK = re.compile(r"https://safeguarding\.example\.org(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def emails_sent_at_once(settings):
    """Outbox jobs run in-process (also when the suite has REDIS_URL), into Django's test mailbox,
    when `committed()` ends."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://safeguarding.example.org"
    settings.TWO_FACTOR_REQUIRED = True


def committed():
    """What is done inside counts as committed: the outbox sends its emails at the end."""
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def caseworker(partnership) -> User:
    user = partnership.users["caseworker"]
    # Alert emails once a day: security emails go at once whatever the person chose for alerts.
    User.objects.filter(pk=user.pk).update(email=ADDRESS, notification_emails=EmailChoice.DAILY)
    user.refresh_from_db()
    return user


def ask(client: Client, email: str = ADDRESS):
    with committed():
        return client.post(FORGOTTEN, {"email": email})


def emails_to(address: str = ADDRESS) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def link_in(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def set_new(client: Client, new: str = NEW, repeat: str | None = None):
    with committed():
        return client.post(
            reverse("accounts:reset_password"),
            {"new_password": new, "repeat_password": new if repeat is None else repeat},
        )


def test_a_forgotten_password_is_reset_with_the_emailed_link_and_the_code_is_still_asked_for(client, caseworker):
    response = ask(client, ADDRESS.upper())

    assert response.status_code == 302 and response.url == reverse("accounts:reset_sent")
    assert "If the address you gave belongs to an account here" in client.get(response.url).content.decode()
    [email] = emails_to()
    assert "reset your password" in email.subject
    assert "caseworker" in email.body and "works once, for 60 minutes" in email.body

    opened = client.get(link_in(email))
    assert opened.status_code == 302 and opened.url == reverse("accounts:reset_password"), (
        "the token leaves the address"
    )
    page = client.get(opened.url).content.decode()
    assert "Set a new password" in page and "caseworker" in page

    done = set_new(client)

    assert done.status_code == 302 and done.url == reverse("accounts:login")
    assert "Your password has been reset" in client.get(done.url).content.decode()
    assert authenticate(username="caseworker", password=NEW) is not None
    assert authenticate(username="caseworker", password=PASSWORD) is None
    signing_in = client.post(reverse("accounts:login"), {"username": "caseworker", "password": NEW})
    assert signing_in.url == reverse("accounts:two_factor"), "the new password alone does not sign in"
    assert client.get(reverse("home")).status_code == 302
    asked, reset = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(caseworker.pk)).order_by("id")
    assert (asked.action, asked.detail, reset.action) == (
        AuditAction.PASSWORD_RESET_ASKED,
        {"emailed": True},
        AuditAction.PASSWORD_RESET,
    )
    assert NEW not in str(reset.detail)
    notice = emails_to()[-1]
    assert notice.subject.endswith("your password was reset with a link we emailed you")
    assert "tell your system administrator at once" in notice.body


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client, caseworker):
    known, unknown = ask(client), ask(Client(), "nobody@council.example.org")

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert [message.to for message in mail.outbox] == [[ADDRESS]]
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_ASKED).count() == 1


def test_the_link_works_once(client, caseworker):
    ask(client)
    link = link_in(emails_to()[0])
    client.get(link)
    set_new(client)

    again = Client()
    page = again.get(link)

    assert page.status_code == 200 and "This link has expired" in page.content.decode()
    assert "This link has expired" in again.get(reverse("accounts:reset_password")).content.decode()


def test_two_tries_with_one_link_at_once_set_one_password(caseworker):
    """Both pages were opened while the link still worked; the second to arrive is refused."""
    token = default_token_generator.make_token(caseworker)
    services.reset_password(caseworker, token=token, new=NEW, repeat=NEW)

    with pytest.raises(ValidationError) as refused:
        services.reset_password(caseworker, token=token, new="another grey heron", repeat="another grey heron")

    assert refused.value.message_dict == {"new_password": [services.EXPIRED_LINK]}
    assert authenticate(username="caseworker", password=NEW) is not None
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET).count() == 1


def test_the_link_stops_working_when_the_person_signs_in(client, caseworker, settings):
    settings.TWO_FACTOR_REQUIRED = False
    ask(client)
    link = link_in(emails_to()[0])

    Client().post(reverse("accounts:login"), {"username": "caseworker", "password": PASSWORD})

    assert "This link has expired" in client.get(link).content.decode()


def test_the_link_stops_working_after_its_time(client, caseworker, monkeypatch):
    ask(client)
    link = link_in(emails_to()[0])
    client.get(link)
    later = datetime.now() + timedelta(minutes=61)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    response = set_new(client)

    assert "This link has expired" in response.content.decode()
    assert authenticate(username="caseworker", password=PASSWORD) is not None


@pytest.mark.parametrize(
    "link",
    [
        "/accounts/password/reset/MQ/not-a-token/",
        "/accounts/password/reset/%%%/abc-def/",
        "/accounts/password/reset/OTk5OTk5/abc-def/",
    ],
)
def test_a_made_up_or_altered_link_opens_nothing(client, caseworker, link):
    ask(client)
    real = link_in(emails_to()[0])
    uid = real.split("/")[-3]
    altered = real[:-2] + ("x" if real[-2] != "x" else "y") + "/"

    for address in (link, altered, f"/accounts/password/reset/{uid}/{'0' * 20}/"):
        response = client.get(address)
        assert response.status_code == 200 and "This link has expired" in response.content.decode()
    assert "password_reset_link" not in client.session
    assert set_new(client).status_code == 200  # the expired page: nothing set
    assert authenticate(username="caseworker", password=PASSWORD) is not None


def test_someone_who_signs_in_through_their_organisation_is_told_they_have_no_password_here(client, caseworker):
    caseworker.set_unusable_password()
    caseworker.save(update_fields=["password"])

    ask(client)

    [email] = emails_to()
    assert "you have no password here" in email.subject
    assert not LINK.search(email.body)


def test_a_closed_account_is_sent_nothing(client, caseworker):
    User.objects.filter(pk=caseworker.pk).update(is_active=False)

    ask(client)

    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_ASKED).exists()


def test_no_more_than_three_links_go_to_one_account_in_an_hour(client, caseworker):
    for _ in range(4):
        assert ask(client).url == reverse("accounts:reset_sent")

    assert len(emails_to()) == services.RESET_EMAILS_PER_HOUR == 3
    flags = AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_ASKED).order_by("id")
    assert [event.detail["emailed"] for event in flags] == [True, True, True, False]


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Enter your email address"), ("casey.worker", "Enter an email address in the correct format")],
)
def test_a_missing_or_malformed_address_is_explained_and_nothing_is_sent(client, caseworker, email, message):
    response = ask(client, email)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert mail.outbox == [] and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("new", "repeat", "message"),
    [
        ("", None, "Enter a new password"),
        ("short one", None, "Password must be 12 characters or more"),
        ("password1234", None, "Password is one that many people use"),
        (NEW, "a kettle of grey heron", "Enter the same new password twice"),
    ],
)
def test_a_new_password_that_will_not_do_is_explained_and_the_link_still_works(
    client, caseworker, new, repeat, message
):
    ask(client)
    client.get(link_in(emails_to()[0]))

    response = set_new(client, new, repeat)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert authenticate(username="caseworker", password=PASSWORD) is not None
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET).exists()
    assert set_new(client).status_code == 302, "the link still works after a mistake"


def test_someone_signed_in_is_sent_to_change_their_password(client, caseworker, settings):
    settings.TWO_FACTOR_REQUIRED = False
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": PASSWORD})

    for url in (FORGOTTEN, reverse("accounts:reset_sent"), reverse("accounts:reset_password")):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("accounts:change_password")


def test_a_changed_password_is_notified_by_email(client, caseworker, settings):
    settings.TWO_FACTOR_REQUIRED = False
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": PASSWORD})

    with committed():
        client.post(
            reverse("accounts:change_password"),
            {"current_password": PASSWORD, "new_password": NEW, "repeat_password": NEW},
        )

    [notice] = emails_to()
    assert notice.subject.endswith("your password was changed")
    assert "for your account caseworker" in notice.body


def test_setting_up_and_resetting_two_factor_sign_in_are_notified_by_email(caseworker, partnership):
    with committed():
        two_factor.confirm(caseworker, two_factor.unconfirmed_device(caseworker))
        access_services.reset_two_factor(partnership.users["admin"], caseworker)

    subjects = [message.subject for message in emails_to()]
    assert [subject.split(": ", 1)[1] for subject in subjects] == [
        "two-factor sign-in was set up on your account",
        "a system administrator reset your two-factor sign-in",
    ]


def test_someone_with_no_email_address_is_sent_nothing(partnership):
    user = partnership.users["police"]
    assert user.email == ""

    with committed():
        two_factor.confirm(user, two_factor.unconfirmed_device(user))

    assert mail.outbox == []


def test_an_administrator_sends_a_reset_link_without_choosing_the_password(caseworker, partnership):
    admin = partnership.users["admin"]

    with committed():
        assert access_services.send_password_reset(admin, caseworker) is True
        assert access_services.send_password_reset(admin, partnership.users["police"]) is False  # no address

    [email] = emails_to()
    assert LINK.search(email.body)
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_RESET_ASKED)
    assert (event.user, event.object_id, event.detail) == (
        admin,
        str(caseworker.pk),
        {"emailed": True, "by_administrator": True},
    )
    with pytest.raises(PermissionDenied, match=r"^Only a system administrator can send a password reset link\.$"):
        access_services.send_password_reset(partnership.users["manager"], caseworker)
    with pytest.raises(PermissionDenied, match=r"^Only a system administrator can set a password\.$"):
        access_services.note_password_set(partnership.users["manager"], caseworker)
    User.objects.filter(pk=caseworker.pk).update(is_active=False)
    caseworker.refresh_from_db()
    with committed():
        assert access_services.send_password_reset(admin, caseworker) is False  # a closed account
    assert len(emails_to()) == 1 and AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_ASKED).count() == 1


def test_a_password_an_administrator_sets_is_audited_and_notified(client_for, caseworker, settings):
    settings.TWO_FACTOR_REQUIRED = False
    url = reverse("admin:auth_user_password_change", args=[caseworker.pk])

    with committed():
        response = client_for("admin").post(url, {"password1": NEW, "password2": NEW, "usable_password": "true"})

    assert response.status_code == 302
    assert authenticate(username="caseworker", password=NEW) is not None
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(caseworker.pk))
    assert (event.username, event.detail) == ("admin", {"changed": ["password"], "by_administrator": True})
    [notice] = emails_to()
    assert notice.subject.endswith("a system administrator set a new password for you")


def test_a_right_password_with_a_wrong_code_is_notified_once_a_sign_in(client, caseworker):
    """Someone who has the password but not the app (ASVS 5.0 V6.3.5): the person is told to change it."""
    two_factor.confirm(caseworker, two_factor.unconfirmed_device(caseworker))
    mail.outbox.clear()
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": PASSWORD})

    with committed():
        for code in ("000000", "111111"):
            client.post(reverse("accounts:two_factor"), {"code": code})

    [notice] = emails_to()
    assert notice.subject.endswith("someone gave your password but not a right code from your authenticator app")
    assert "someone knows your password. Sign in and change it now" in notice.body
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": PASSWORD})
    with committed():
        client.post(reverse("accounts:two_factor"), {"code": "222222"})
    assert len(emails_to()) == 2, "a new sign-in, a new notice"


def test_sign_in_paused_by_wrong_passwords_is_notified_once(client, caseworker, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    with committed():
        for _ in range(5):
            client.post(reverse("accounts:login"), {"username": "caseworker", "password": "not my password"})

    [notice] = emails_to()
    assert notice.subject.endswith("sign-in to your account was paused after too many wrong passwords")


def test_wrong_passwords_for_a_username_nobody_has_email_nobody(client, caseworker, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    with committed():
        for _ in range(3):
            client.post(reverse("accounts:login"), {"username": "nobody", "password": "not my password"})

    assert mail.outbox == []


def test_sign_in_paused_by_wrong_passwords_when_proving_it_is_you_again_is_notified(client, caseworker, settings):
    settings.TWO_FACTOR_REQUIRED = False
    settings.LOGIN_FAILURE_LIMIT = 3
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": PASSWORD})

    with committed():
        for _ in range(3):
            client.post(
                reverse("accounts:change_password"),
                {"current_password": "not my password", "new_password": NEW, "repeat_password": NEW},
            )

    [notice] = emails_to()
    assert notice.subject.endswith("sign-in to your account was paused after too many wrong passwords")
