"""Reach: what the outreach and group work reached in a period and, optionally, one area.

Every figure counts records the viewer may see (their agency's outreach records, the groups their
agency runs), with delivered events only; managers get the whole partnership's figures (counts,
never names: policy "view_partnership_reach", as on the cohort and fairness pages). Group figures
count everyone on the registers of those sessions, without naming anyone: attendances, distinct
young people and contact hours (each attendance counts the session's duration).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from access import policy
from areas.models import Neighbourhood
from outreach.models import (
    ENGAGED_OUTCOMES,
    Activity,
    Attendance,
    AudienceType,
    DoorToDoorCampaign,
    EngagementOutcome,
    EngagementRecord,
    GroupSession,
    OutreachEvent,
)


@dataclass
class AudienceRow:
    audience: str
    label: str
    training: int = 0
    awareness: int = 0
    events: int = 0

    @property
    def total(self) -> int:
        return self.training + self.awareness


@dataclass
class Reach:
    start: date
    end: date
    area: Neighbourhood | None
    rows: list[AudienceRow] = field(default_factory=list)
    events: int = 0
    establishments_engaged: int = 0
    establishments_declined: int = 0
    campaigns: int = 0
    households: int = 0
    group_sessions: int = 0
    attendances: int = 0
    young_people: int = 0
    contact_minutes: int = 0
    event_ids: list[int] = field(default_factory=list)

    @property
    def trained(self) -> int:
        return sum(row.training for row in self.rows)

    @property
    def awareness(self) -> int:
        return sum(row.awareness for row in self.rows)

    @property
    def people(self) -> int:
        return self.trained + self.awareness

    @property
    def contact_hours(self) -> Decimal:
        return (Decimal(self.contact_minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def by_audience(self, audience: str) -> AudienceRow:
        return next(row for row in self.rows if row.audience == audience)

    def csv_rows(self) -> list[list[Any]]:
        area = self.area.name if self.area else "All areas"
        header = [["Reach report", f"{self.start.isoformat()} to {self.end.isoformat()}", area]]
        people = [["Audience type", "Trained", "Awareness raising", "Total people", "Events"]]
        people += [[row.label, row.training, row.awareness, row.total, row.events] for row in self.rows]
        people.append(["All audiences", self.trained, self.awareness, self.people, self.events])
        figures = [
            ["Figure", "Value"],
            ["Establishments engaged", self.establishments_engaged],
            ["Establishments declined", self.establishments_declined],
            ["Door-to-door campaigns", self.campaigns],
            ["Door-to-door households reached", self.households],
            ["Group sessions", self.group_sessions],
            ["Attendances", self.attendances],
            ["Distinct young people", self.young_people],
            ["Contact hours", str(self.contact_hours)],
        ]
        return [*header, [], *people, [], *figures]


def _counted(user: Any, model: Any) -> Any:
    """The records a figure counts: the partnership's for managers, otherwise those the user sees."""
    return model.objects.all() if policy.can(user, "view_partnership_reach") else model.objects.visible_to(user)


def reach(
    user: Any, start: date, end: date, area: Neighbourhood | None = None, *, places: Collection[int] | None = None
) -> Reach:
    """The reach figures for `start` to `end` (both included) in `area`, or in any of the
    neighbourhoods `places` (a police area or local authority of the dashboards), or every area."""
    result = Reach(start, end, area)

    def in_area(path: str) -> Q:
        if area is not None:
            return Q(**{path: area})
        return Q(**{f"{path}__in": places}) if places is not None else Q()

    events = _counted(user, OutreachEvent).delivered().filter(in_area("area"), held_on__gte=start, held_on__lte=end)
    rows = {value: AudienceRow(value, label) for value, label in AudienceType.choices}
    for found in events.values("audience", "activity").annotate(people=Sum("headcount"), count=Count("id")):
        row = rows[found["audience"]]
        if found["activity"] == Activity.TRAINING:
            row.training += found["people"]
        else:
            row.awareness += found["people"]
        row.events += found["count"]
    ids = list(events.values_list("pk", flat=True))
    result.rows = list(rows.values())
    result.events = len(ids)
    result.event_ids = ids

    engagements = _counted(user, EngagementRecord).filter(
        in_area("establishment__area"), occurred_on__gte=start, occurred_on__lte=end
    )
    counted = engagements.aggregate(
        engaged=Count("establishment", distinct=True, filter=Q(outcome__in=ENGAGED_OUTCOMES)),
        declined=Count("establishment", distinct=True, filter=Q(outcome=EngagementOutcome.DECLINED)),
    )
    result.establishments_engaged = counted["engaged"]
    result.establishments_declined = counted["declined"]

    campaigns = _counted(user, DoorToDoorCampaign).filter(in_area("area"), started_on__gte=start, started_on__lte=end)
    door = campaigns.aggregate(count=Count("id"), households=Sum("households_reached"))
    result.campaigns, result.households = door["count"], door["households"] or 0

    sessions = _counted(user, GroupSession).filter(in_area("group__area"), held_on__gte=start, held_on__lte=end)
    result.group_sessions = sessions.count()
    present = Attendance.objects.filter(session__in=sessions.values("pk")).aggregate(
        attendances=Count("id"), young_people=Count("child", distinct=True), minutes=Sum("session__duration_minutes")
    )
    result.attendances = present["attendances"]
    result.young_people = present["young_people"]
    result.contact_minutes = present["minutes"] or 0
    return result
