from typing import Any

from django.conf import settings
from django.http import HttpRequest

from access.navigation import navigation_for


def service(request: HttpRequest) -> dict[str, Any]:
    return {
        "service_name": settings.SERVICE_NAME,
        "demo_mode": settings.DEMO,
        "navigation": navigation_for(request),
    }
