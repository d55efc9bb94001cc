"""Alerts: a message in the user's inbox on the home page and, for the kinds that matter between
visits, an email (at once, or in one daily digest, as the user chose on their alert emails page).

An email never names a young person or says anything about them: its subject and body come from
the alert's kind only, with a link to sign in and see it. A recipient the mail server refuses is
recorded on the alert (`email_error`) and logged by user id; nothing else stops."""

from __future__ import annotations

import logging
import smtplib
from collections import Counter

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailChoice, Notification, NotificationKind, User
from jobs import outbox

logger = logging.getLogger(__name__)

EMAILED = tuple(kind for kind in NotificationKind if kind != NotificationKind.OTHER)
REFUSED = "The mail server refused this email address"
FOOTER = (
    "This email does not say who the alert is about. Sign in to see it.\n"
    "You can choose to have these alerts as they happen or once a day: {preferences}\n"
)


def notify(user: User | None, kind: str, message: str, link: str = "") -> Notification | None:
    """Put an alert in an active user's inbox; email it once the transaction commits if its kind is
    emailed and the user wants each alert as it happens (the daily digest collects the rest)."""
    if user is None or not user.is_active:
        return None
    notification = Notification.objects.create(user=user, kind=kind, message=message[:500], link=link)
    if kind in EMAILED and user.email and user.notification_emails == EmailChoice.IMMEDIATE:
        outbox.enqueue("accounts.tasks.email_notification", notification.pk)
    return notification


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def send_email(user: User, subject: str, body: str, *, what: str = "Alert email") -> str:
    """Send one email (`what` names it in the log); the mail server's refusal of the address comes
    back as an error to record. Other failures raise, so the job is tried again."""
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], connection=get_connection())
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        logger.warning("%s to user %s refused by the mail server", what, user.pk)
        return REFUSED
    return ""


def email_notification(notification_id: int) -> bool:
    """Email one alert (idempotent: an alert already emailed, or refused, is not sent again)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True, email_error="")
            .first()
        )
        if notification is None or not notification.user.email:
            return False
        subject = NotificationKind(notification.kind).label
        body = f"{subject}.\n\nSign in to see it: {_url(notification.link or reverse('home'))}\n\n" + FOOTER.format(
            preferences=_url(reverse("accounts:alert_emails"))
        )
        error = send_email(notification.user, subject, body)
        notification.emailed_at = None if error else timezone.now()
        notification.email_error = error
        notification.save(update_fields=["emailed_at", "email_error"])
        return not error


def send_daily_digests() -> int:
    """One email per user who chose the daily digest and has alerts not yet emailed: how many of
    each kind, and a link to the home page. Returns the number of emails sent."""
    waiting = (
        Notification.objects.filter(
            kind__in=EMAILED,
            emailed_at__isnull=True,
            email_error="",
            user__is_active=True,
            user__notification_emails=EmailChoice.DAILY,
        )
        .exclude(user__email="")
        .order_by("user_id", "id")
        .values_list("user_id", "pk", "kind")
    )
    by_user: dict[int, list[tuple[int, str]]] = {}
    for user_id, pk, kind in waiting:
        by_user.setdefault(user_id, []).append((pk, kind))
    sent = 0
    for user in User.objects.filter(pk__in=by_user):
        alerts = by_user[user.pk]
        counts = Counter(kind for _pk, kind in alerts)
        lines = "\n".join(f"- {NotificationKind(kind).label}: {n}" for kind, n in sorted(counts.items()))
        subject = f"Your alerts today: {len(alerts)}"
        body = f"{subject}\n\n{lines}\n\nSign in to see them: {_url(reverse('home'))}\n\n" + FOOTER.format(
            preferences=_url(reverse("accounts:alert_emails"))
        )
        error = send_email(user, subject, body)
        ids = [pk for pk, _kind in alerts]
        if error:
            Notification.objects.filter(pk__in=ids).update(email_error=error)
        else:
            Notification.objects.filter(pk__in=ids).update(emailed_at=timezone.now())
            sent += 1
    return sent
