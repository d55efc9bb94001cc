from celery import shared_task
from django.urls import reverse

from access.models import BreakGlassGrant
from accounts.models import Membership, Notification, Role


@shared_task(name="cases.tasks.notify_dpo_of_break_glass")
def notify_dpo_of_break_glass(grant_id: int) -> int:
    """Tell every data protection officer that someone used emergency access. Idempotent."""
    grant = BreakGlassGrant.objects.select_related("user", "child").get(pk=grant_id)
    link = reverse("oversight:break_glass_list")
    message = f"{grant.user.get_username()} used emergency access to record {grant.child.reference}."
    dpo_ids = set(
        Membership.objects.active().filter(role=Role.DATA_PROTECTION_OFFICER).values_list("user_id", flat=True)
    )
    already = set(Notification.objects.filter(user_id__in=dpo_ids, message=message).values_list("user_id", flat=True))
    Notification.objects.bulk_create(
        Notification(user_id=user_id, message=message, link=link) for user_id in sorted(dpo_ids - already)
    )
    return len(dpo_ids - already)
