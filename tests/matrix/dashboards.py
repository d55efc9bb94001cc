"""Dashboards (dashboards/): partnership-wide counts for managers (and whoever the administrator
gives the permission to), never names of children outside the viewer's access. Everyone else,
the caseworker, the voluntary worker and the mentor included, gets 404."""

from django.urls import reverse

from tests.matrix import Expect, expect
from tests.matrix.api import api

MANAGERS = ("manager",)


def with_query(name: str, query: str, **kwargs):
    return lambda p: reverse(name, kwargs=kwargs or None) + "?" + query


ROUTES: dict[str, Expect] = {
    "dashboards:dashboard": expect(MANAGERS),
    "dashboards:children": expect(MANAGERS, path=with_query("dashboards:children", "list=tier&tier=most_vulnerable")),
    "dashboards:social_factors": expect(MANAGERS, path=with_query("dashboards:social_factors", "group=tier")),
    "dashboards:hotspots": expect(MANAGERS),
    "dashboards:network": expect(MANAGERS),
    "dashboards:report": expect(MANAGERS),
    "dashboards:report_pdf": expect(MANAGERS),
    "dashboards:table_csv": expect(MANAGERS, kwargs=lambda p: {"key": "tiers"}),
    "api:dashboard-figures": api(MANAGERS),
}
