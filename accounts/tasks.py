from celery import shared_task

from accounts import notifications, security_emails, sessions


@shared_task(name="accounts.tasks.email_notification")
def email_notification(notification_id: int) -> bool:
    return notifications.email_notification(notification_id)


@shared_task(name="accounts.tasks.send_daily_digests")
def send_daily_digests() -> int:
    return notifications.send_daily_digests()


@shared_task(name="accounts.tasks.clear_ended_sessions")
def clear_ended_sessions() -> int:
    return sessions.clear_ended()


@shared_task(name="accounts.tasks.email_password_reset")
def email_password_reset(user_id: int) -> bool:
    return security_emails.send_reset_link(user_id)


@shared_task(name="accounts.tasks.email_security_notice")
def email_security_notice(user_id: int, notice: str, at: str) -> bool:
    return security_emails.send_notice(user_id, notice, at)
