"""The "Refer to community mentoring" link on a child's page (a `cases.profile` section)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from access import policy


def referral_link(user: Any, kind: str, subject: Any) -> dict[str, Any]:
    if kind != "child" or not policy.can(user, "refer_to_mentoring", subject):
        return {}
    return {"mentoring_referral_url": reverse("mentoring:refer", args=[subject.pk])}
