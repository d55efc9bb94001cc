from celery import shared_task

from accounts import notifications, sessions


@shared_task(name="accounts.tasks.email_notification")
def email_notification(notification_id: int) -> bool:
    return notifications.email_notification(notification_id)


@shared_task(name="accounts.tasks.send_daily_digests")
def send_daily_digests() -> int:
    return notifications.send_daily_digests()


@shared_task(name="accounts.tasks.clear_ended_sessions")
def clear_ended_sessions() -> int:
    return sessions.clear_ended()
