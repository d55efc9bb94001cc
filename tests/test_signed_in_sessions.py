"""Where you are signed in (ASVS 5.0 V7.5.2): each user sees their own sessions and, after giving
their password again, signs out the others, one or all. Wrong passwords end nothing, are audited and
count towards the sign-in lockout; someone else's session is 404."""

import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sessions as sessions_module
from accounts import two_factor
from accounts.models import SignedInSession
from accounts.tasks import clear_ended_sessions
from audit.models import AuditAction, AuditEvent
from tests.two_factor_helpers import app_code

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
URL = reverse("accounts:sessions")


@pytest.fixture(autouse=True)
def password_only(settings):
    """Sign-in with a password alone (as in demo mode): the second factor is tested once, below."""
    settings.TWO_FACTOR_REQUIRED = False


def signed_in_client(username: str = "caseworker", browser: str = "Firefox on a laptop") -> Client:
    client = Client(HTTP_USER_AGENT=browser, REMOTE_ADDR="192.0.2.10")
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    return client


def still_signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_each_session_is_listed_with_when_where_and_which_browser_and_this_one_is_marked(partnership):
    laptop = signed_in_client(browser="Firefox on a laptop")
    signed_in_client(browser="Safari on a phone")
    signed_in_client("police", browser="Edge at the station")  # another person's: not shown

    page = laptop.get(URL).content.decode()

    assert "Where you are signed in" in page
    assert "Firefox on a laptop" in page and "Safari on a phone" in page and "Edge at the station" not in page
    assert page.count("192.0.2.10") == 2
    assert page.count("This session") == 1
    assert "Sign out of all other sessions" in page


def test_a_session_is_kept_only_once_the_second_factor_is_given(client, partnership, settings):
    settings.TWO_FACTOR_REQUIRED = True
    user = partnership.users["caseworker"]
    device = two_factor.unconfirmed_device(user)
    two_factor.confirm(user, device)
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": PASSWORD})
    assert not SignedInSession.objects.exists(), "a correct password alone is not a signed-in session"

    client.post(reverse("accounts:two_factor"), {"code": app_code(device)})

    kept = SignedInSession.objects.get()
    assert (kept.user, kept.session_key) == (user, client.session.session_key)


def test_another_session_is_signed_out_after_the_password_is_given_again(partnership):
    laptop, phone = signed_in_client(), signed_in_client(browser="Safari on a phone")
    tablet = signed_in_client(browser="Chrome on a tablet")
    other = SignedInSession.objects.get(browser="Safari on a phone")

    response = laptop.post(URL, {"secret": PASSWORD, "end": str(other.pk)}, follow=True)

    assert "Signed out of 1 other session" in response.content.decode()
    assert not still_signed_in(phone)
    assert still_signed_in(laptop) and still_signed_in(tablet)
    assert not Session.objects.filter(session_key=other.session_key).exists()
    ended = AuditEvent.objects.get(action=AuditAction.LOGOUT)
    assert (ended.user, ended.detail) == (
        partnership.users["caseworker"],
        {"reason": "ended_by_user", "session": other.pk},
    )


def test_all_other_sessions_are_signed_out_at_once_and_this_one_stays(partnership):
    laptop = signed_in_client()
    others = [signed_in_client(browser=f"Browser {n}") for n in range(3)]
    police = signed_in_client("police")

    response = laptop.post(URL, {"secret": PASSWORD, "end": "all"}, follow=True)

    assert "Signed out of 3 other sessions" in response.content.decode()
    assert not any(still_signed_in(other) for other in others)
    assert still_signed_in(laptop) and still_signed_in(police)
    assert "You are not signed in anywhere else" in laptop.get(URL).content.decode()


@pytest.mark.parametrize(
    ("secret", "message"),
    [("", "Enter your password"), ("not my password", "The password is not right")],
)
def test_without_the_right_password_nothing_is_signed_out(partnership, secret, message):
    laptop, phone = signed_in_client(), signed_in_client(browser="Safari on a phone")

    response = laptop.post(URL, {"secret": secret, "end": "all"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page and 'href="#id_secret"' in page
    assert still_signed_in(phone)
    assert SignedInSession.objects.count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()


def test_wrong_passwords_are_audited_and_lock_like_sign_in(partnership, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    laptop, phone = signed_in_client(), signed_in_client(browser="Safari on a phone")
    for _ in range(3):
        laptop.post(URL, {"secret": "guess", "end": "all"})
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, username="caseworker")
    assert failures.count() == 3 and failures.first().detail == {"step": "end_sessions"}

    response = laptop.post(URL, {"secret": PASSWORD, "end": "all"})

    assert response.status_code == 400 and "Too many failed attempts" in response.content.decode()
    assert still_signed_in(phone)


@pytest.mark.parametrize("end", ["someone_elses", "this_one", "not-a-number", "99999", ""])
def test_a_session_that_is_not_one_of_your_others_is_404_and_nothing_ends(partnership, end):
    laptop = signed_in_client()
    police = signed_in_client("police")
    ids = {
        "someone_elses": str(SignedInSession.objects.get(user=partnership.users["police"]).pk),
        "this_one": str(SignedInSession.objects.get(session_key=laptop.session.session_key).pk),
    }

    response = laptop.post(URL, {"secret": PASSWORD, "end": ids.get(end, end)})

    assert response.status_code == 404
    assert still_signed_in(police) and still_signed_in(laptop)
    assert SignedInSession.objects.count() == 2


def test_sessions_that_have_ended_are_not_listed(partnership, settings):
    laptop = signed_in_client()
    signed_out = signed_in_client(browser="Signed-out browser")
    signed_out.post(reverse("accounts:logout"))
    idle = signed_in_client(browser="Idle browser")
    session = idle.session
    session["last_seen"] -= settings.SESSION_IDLE_SECONDS + 1
    session.save()

    page = laptop.get(URL).content.decode()

    assert "Signed-out browser" not in page and "Idle browser" not in page
    assert "You are not signed in anywhere else" in page
    assert SignedInSession.objects.count() == 1, "records of ended sessions are removed"


def test_a_new_password_ends_the_listing_of_every_earlier_session(partnership):
    signed_in_client(browser="Browser before the change")
    user = partnership.users["caseworker"]
    user.set_password("another long passphrase")
    user.save()
    again = Client()
    again.post(reverse("accounts:login"), {"username": "caseworker", "password": "another long passphrase"})

    page = again.get(URL).content.decode()
    assert "You are not signed in anywhere else" in page and "Browser before the change" not in page


def test_someone_who_signs_in_through_their_organisation_confirms_with_an_authenticator_code(partnership):
    user = partnership.users["caseworker"]
    user.set_unusable_password()  # single sign-on only: no password here
    user.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    phone, laptop = Client(HTTP_USER_AGENT="Safari on a phone"), Client(HTTP_USER_AGENT="Firefox on a laptop")
    for client in (phone, laptop):
        client.force_login(user)
        client.get(URL)  # a session from before sessions were kept is kept when it is first listed
    page = laptop.get(URL).content.decode()
    assert "A code from your authenticator app" in page and "Safari on a phone" in page

    response = laptop.post(URL, {"secret": app_code(device), "end": "all"})

    assert response.status_code == 302
    assert list(SignedInSession.objects.values_list("browser", flat=True)) == ["Firefox on a laptop"]
    assert phone.get(reverse("home")).status_code == 302


def test_every_night_expired_sessions_and_the_records_of_ended_ones_are_cleared(partnership, settings):
    laptop, phone = signed_in_client(), signed_in_client(browser="Safari on a phone")
    Session.objects.filter(session_key=phone.session.session_key).update(expire_date=timezone.now())
    ended_elsewhere = signed_in_client(browser="Ended elsewhere")
    Session.objects.filter(session_key=ended_elsewhere.session.session_key).delete()
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == clear_ended_sessions.name]
    assert len(entries) == 1

    assert clear_ended_sessions() == 2

    assert list(SignedInSession.objects.values_list("browser", flat=True)) == ["Firefox on a laptop"]
    assert list(Session.objects.values_list("session_key", flat=True)) == [laptop.session.session_key]


def test_a_failed_audit_write_ends_no_session(partnership, monkeypatch):
    laptop, phone = signed_in_client(), signed_in_client(browser="Safari on a phone")
    tablet = signed_in_client(browser="Chrome on a tablet")
    written = []

    def audit_fails_the_second_time(*args, **kwargs):
        if len(written) == 1:
            raise DatabaseError("audit store refused the write")
        written.append(kwargs)
        return record(*args, **kwargs)

    record = sessions_module.audit.record
    monkeypatch.setattr(sessions_module.audit, "record", audit_fails_the_second_time)

    with pytest.raises(DatabaseError):
        laptop.post(URL, {"secret": PASSWORD, "end": "all"})
    monkeypatch.undo()

    assert len(written) == 1, "the first session's sign-out was audited before the failure"
    assert still_signed_in(phone) and still_signed_in(tablet)
    assert SignedInSession.objects.count() == 3
