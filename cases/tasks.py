from celery import shared_task
from django.urls import reverse

from access.models import BreakGlassGrant
from accounts.models import Membership, NotificationKind, Role, User
from accounts.notifications import notify


@shared_task(name="cases.tasks.notify_dpo_of_break_glass")
def notify_dpo_of_break_glass(grant_id: int) -> int:
    """Tell every data protection officer that someone used emergency access (an alert, emailed).
    Idempotent."""
    grant = BreakGlassGrant.objects.select_related("user", "child").get(pk=grant_id)
    link = reverse("oversight:break_glass_list")
    message = f"{grant.user.get_username()} used emergency access to record {grant.child.reference}."
    dpos = User.objects.filter(
        pk__in=Membership.objects.active().filter(role=Role.DATA_PROTECTION_OFFICER).values("user_id")
    ).exclude(notifications__message=message)
    return sum(bool(notify(dpo, NotificationKind.EMERGENCY_ACCESS, message, link)) for dpo in dpos.order_by("pk"))
