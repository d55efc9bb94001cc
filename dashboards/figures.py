"""The partnership's figures for one scope, as tables (dashboards.tables). Counts over every
record in the partnership, never names or record ids: who may read them is the policy's
"view_partnership_figures"; the drill-down lists (dashboards.queries) name only what the viewer may
see. Each function is a handful of aggregate queries."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import Child, ChronologyEvent, ContextLink
from cases.models.chronology import EventKind
from cohorts.models import Tier, TierDecision
from dashboards import filters
from dashboards.filters import Scope
from dashboards.tables import Row, Table, with_total
from interventions.models.missing import RETURN_HOME_INTERVIEW_HOURS, InterviewOutcome, MissingEpisode
from interventions.models.work import ActionStatus, AgendaItem, Intervention, PanelAction, PanelMeeting

DRIFT_DAYS = 30
NOT_RECORDED = "Not recorded"
NOT_IN_A_TIER = "Not in a tier"


def day_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def tiers_on(day: date, scope: Scope) -> dict[int, str]:
    """Each child in a tier at the end of `day` (the latest panel decision by then) -> the tier."""
    cutoff = day_after(day)
    latest = (
        TierDecision.objects.filter(child=OuterRef("child"), decided_at__lt=cutoff)
        .order_by("-decided_at", "-id")
        .values("id")[:1]
    )
    rows = (
        TierDecision.objects.filter(filters.children_in(scope, "child__"), decided_at__lt=cutoff)
        .filter(id=Subquery(latest))
        .exclude(tier="")
        .values_list("child_id", "tier")
    )
    return dict(rows)


def tier_table(scope: Scope) -> Table:
    before, now = tiers_on(scope.previous_end, scope), tiers_on(scope.end, scope)
    counted_before, counted_now = Counter(before.values()), Counter(now.values())
    rows = [
        Row(label, [counted_before[value], counted_now[value]], link={"list": "tier", "tier": value})
        for value, label in Tier.choices
    ]
    return Table(
        "tiers",
        "Children in each cohort tier",
        ["Tier", f"On {scope.previous_end:%-d %B %Y}", f"On {scope.end:%-d %B %Y}"],
        with_total(rows),
        total_row=True,
        chart=True,
    )


def movement_table(scope: Scope) -> Table:
    """Children whose tier at the end of the period differs from the one before it."""
    before, now = tiers_on(scope.previous_end, scope), tiers_on(scope.end, scope)
    labels = dict(Tier.choices)
    moves: Counter[tuple[str, str]] = Counter()
    for child in before.keys() | now.keys():
        was, is_now = before.get(child, ""), now.get(child, "")
        if was != is_now:
            moves[(was, is_now)] += 1
    order = ["", *Tier.values]
    rows = [
        Row(f"{labels.get(was, NOT_IN_A_TIER)} to {labels.get(is_now, NOT_IN_A_TIER).lower()}", [moves[(was, is_now)]])
        for was in order
        for is_now in order
        if was != is_now
    ]
    return Table(
        "movement", "Movement between tiers since the previous period", ["Movement", "Children"], rows, chart=False
    )


def victims(scope: Scope) -> Q:
    """Children recorded as harmed in a context at some time in the period."""
    links = ContextLink.objects.filter(
        Q(since__isnull=True) | Q(since__lte=scope.end),
        Q(until__isnull=True) | Q(until__gte=scope.start),
        child=OuterRef("pk"),
        role="victim",
    )
    return Q(Exists(links)) & filters.children_in(scope)


def _breakdown(field: str, groups: list[tuple[str, Q | list[int]]], scope: Scope) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, (_label, group) in enumerate(groups):
        children = Child.objects.filter(pk__in=group) if isinstance(group, list) else Child.objects.filter(group)
        labels = filters.LABELS.get(field, {})
        for value, n in children.values_list(field).annotate(n=Count("id")).values_list(field, "n"):
            found.setdefault(labels.get(value, value) or NOT_RECORDED, [0] * len(groups))[i] = n
    return found


def demographics_tables(scope: Scope) -> list[Table]:
    cohort = list(tiers_on(scope.end, scope))
    groups: list[tuple[str, Q | list[int]]] = [("Children in a tier", cohort), ("Victims", victims(scope))]
    tables = []
    for key, field, title in (
        ("gender", filters.CHILD_GENDER, "Gender of the cohort and of victims"),
        ("ethnicity", filters.CHILD_ETHNICITY, "Ethnicity of the cohort and of victims"),
    ):
        found = _breakdown(field, groups, scope)
        base = filters.base_population(scope, field)
        header = ["", *(label for label, _g in groups)]
        rows = [Row(value, counts) for value, counts in sorted(found.items())]
        note = ""
        if base:
            header.append("Base population")
            rows = [Row(row.label, [*row.values, base.get(row.label, 0)]) for row in rows]
        else:
            note = "No base population figures are held for this area."
        tables.append(
            Table(key, title, [title.split(" of")[0], *header[1:]], with_total(rows), total_row=True, note=note)
        )
    return tables


def weapon_offences(scope: Scope) -> Counter[tuple[date, str | None]]:
    """Weapon-tagged offences about children in the period by (month, child's police area): one
    reading of the events for the area breakdown and the table by month."""
    rows = (
        ChronologyEvent.objects.filter(_weapon_offences(scope))
        .annotate(month=TruncMonth("occurred_on"))
        .values_list("month", f"child__{filters.CHILD_AREA}")
        .annotate(n=Count("id"))
        .values_list("month", f"child__{filters.CHILD_AREA}", "n")
    )
    return Counter({(_as_date(month), area): n for month, area, n in rows})


def area_table(scope: Scope, offences: Counter[tuple[date, str | None]] | None = None) -> Table:
    cohort = list(tiers_on(scope.end, scope))
    found = _breakdown(filters.CHILD_AREA, [("", cohort), ("", victims(scope))], scope)
    weapons: Counter[str | None] = Counter()
    for (_month, area), n in (weapon_offences(scope) if offences is None else offences).items():
        weapons[area] += n
    for area in weapons:
        found.setdefault(area or NOT_RECORDED, [0, 0])
    rows = [
        Row(area, [*counts, weapons.get(None if area == NOT_RECORDED else area, 0)])
        for area, counts in sorted(found.items())
    ]
    return Table(
        "areas",
        "Local police area breakdown",
        ["Police area", "Children in a tier", "Victims", "Weapon-tagged offences"],
        with_total(rows),
        total_row=True,
        chart=True,
    )


def _weapon_offences(scope: Scope) -> Q:
    return Q(
        filters.children_in(scope, "child__"),
        kind=EventKind.WEAPON_OFFENCE,
        occurred_on__gte=scope.start,
        occurred_on__lte=scope.end,
        child__isnull=False,
    )


def weapon_table(scope: Scope, offences: Counter[tuple[date, str | None]] | None = None) -> Table:
    by_month: Counter[date] = Counter()
    for (month, _area), n in (weapon_offences(scope) if offences is None else offences).items():
        by_month[month] += n
    rows = []
    month = scope.start.replace(day=1)
    while month <= scope.end:
        rows.append(Row(f"{month:%B %Y}", [by_month[month]]))
        month = (month + timedelta(days=32)).replace(day=1)
    return Table(
        "weapons",
        "Weapon-tagged offences by month",
        ["Month", "Offences"],
        with_total(rows),
        total_row=True,
        chart=True,
    )


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _subject_in(scope: Scope, prefix: str = "", *, family: bool = False) -> Q:
    """Records about a child, a context (or a family) placed in the scope's area: everything when
    the scope is the whole partnership."""
    if not filters.children_in(scope):
        return Q()
    found = filters.children_in(scope, f"{prefix}child__") | filters.contexts_in(scope, f"{prefix}context__")
    return found | filters.families_in(scope, f"{prefix}family__") if family else found


def work_table(scope: Scope) -> Table:
    interventions = Intervention.objects.delivered_between(scope.start, scope.end).filter(
        _subject_in(scope, family=True)
    )
    counted = interventions.aggregate(total=Count("id"), children=Count("child", distinct=True))
    meetings = PanelMeeting.objects.filter(held_on__gte=scope.start, held_on__lte=scope.end)
    discussed = children_discussed(scope)
    rows = [
        Row("Interventions delivered", [counted["total"]]),
        Row("Young people reached by an intervention", [counted["children"]]),
        Row("Panel meetings held", [meetings.count()]),
        Row("Children discussed at panel", [discussed]),
    ]
    return Table("work", "Interventions and panels", ["Figure", "Count"], rows)


def children_discussed(scope: Scope) -> int:
    return (
        AgendaItem.objects.filter(
            filters.children_in(scope, "child__"),
            child__isnull=False,
            meeting__held_on__gte=scope.start,
            meeting__held_on__lte=scope.end,
        )
        .values("child")
        .distinct()
        .count()
    )


def missing_table(scope: Scope) -> Table:
    start, end = day_after(scope.start - timedelta(days=1)), day_after(scope.end)
    episodes = MissingEpisode.objects.filter(filters.children_in(scope, "child__"))
    reported = episodes.filter(reported_missing_at__gte=start, reported_missing_at__lt=end)
    returned = episodes.filter(returned_at__gte=start, returned_at__lt=end)
    in_time = returned.filter(
        interview__outcome=InterviewOutcome.ACCEPTED,
        interview__held_at__lte=F("returned_at") + timedelta(hours=RETURN_HOME_INTERVIEW_HOURS),
    )
    rows = [
        Row("Missing episodes reported", [reported.count()]),
        Row("Children reported missing", [reported.values("child").distinct().count()]),
        Row("Returns", [returned.count()]),
        Row(f"Return home interviews held within {RETURN_HOME_INTERVIEW_HOURS} hours of the return", [in_time.count()]),
    ]
    return Table("missing", "Missing episodes and return home interviews", ["Figure", "Count"], rows)


def drifting(scope: Scope) -> list[int]:
    """Children in a tier at the end of the period with no contact and no intervention under way in
    the 30 days before it."""
    since = scope.end - timedelta(days=DRIFT_DAYS)
    in_tier = list(tiers_on(scope.end, scope))
    contact = ChronologyEvent.objects.filter(
        child=OuterRef("pk"), kind=EventKind.CONTACT, occurred_on__gt=since, occurred_on__lte=scope.end
    )
    work = Intervention.objects.delivered_between(since + timedelta(days=1), scope.end).filter(child=OuterRef("pk"))
    return list(
        Child.objects.filter(pk__in=in_tier).exclude(Exists(contact)).exclude(Exists(work)).values_list("pk", flat=True)
    )


def drift_table(scope: Scope) -> Table:
    overdue = PanelAction.objects.filter(status=ActionStatus.OPEN, due_on__lt=scope.end).filter(
        _subject_in(scope, "agenda_item__")
    )
    rows = [
        Row(
            f"Children in a tier with no contact or intervention for {DRIFT_DAYS} days",
            [len(drifting(scope))],
            link={"list": "drift"},
        ),
        Row("Panel actions open past their due date", [overdue.count()]),
    ]
    return Table("drift", "Drift", ["Figure", "Count"], rows)


def dashboard(scope: Scope) -> list[Table]:
    """The cohort dashboard's partnership-wide tables."""
    offences = weapon_offences(scope)
    return [
        tier_table(scope),
        movement_table(scope),
        *demographics_tables(scope),
        area_table(scope, offences),
        weapon_table(scope, offences),
        work_table(scope),
        missing_table(scope),
        drift_table(scope),
    ]
