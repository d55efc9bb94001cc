"""The dashboards on a small hand-made data set: tier counts on two past dates and the movement
between them, the social factors profile (individual and family percentages), drift, the drill-down
(only the children the viewer may see, and how many are not shown), disclosure control, the kept
aggregates, the CSV exports and the PDF, and bad input."""

import csv
import io
from datetime import date, datetime, time

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from areas.demographics import Ethnicity
from areas.models import BasePopulation, LocalAuthority, Neighbourhood, PoliceArea
from audit.models import AuditAction, AuditEvent
from cases.models import Adult, ChronologyEvent, Context, FamilyFact, FamilyMember, Involvement
from cases.models.families import Family
from cohorts.defaults import ensure_default_indicators
from cohorts.models import Observation, TierDecision
from dashboards import aggregates, figures, reach, social
from dashboards.filters import Scope
from dashboards.models import Aggregate
from dashboards.tables import Row, Table, present, with_total
from interventions.models.missing import MissingEpisode, ReturnHomeInterview
from interventions.models.work import AgendaItem, Intervention, InterventionType, Panel, PanelAction, PanelMeeting
from mentoring.models import Match, MentoringSession, PlaceType
from mentoring.queries import report as mentoring_report
from outreach.models import OutreachEvent
from tests.factories import ChildFactory
from tests.mentoring_helpers import referral, vetted_mentor

pytestmark = pytest.mark.django_db

SCOPE = Scope(date(2026, 2, 16), date(2026, 4, 30))
QUERY = "start_day=16&start_month=2&start_year=2026&end_day=30&end_month=4&end_year=2026"


def decide(child, tier, on, by, outcome="confirm"):
    decision = TierDecision.objects.create(child=child, outcome=outcome, tier=tier, reason="Panel", decided_by=by)
    TierDecision.objects.filter(pk=decision.pk).update(
        decided_at=timezone.make_aware(datetime.combine(on, time(10, 0)))
    )


def observe(n, code, on, child=None, adult=None, family=None):
    Observation.objects.create(
        source_system="test",
        source_record_id=f"r{n}",
        indicator_code=code,
        observed_on=on,
        child=child,
        adult=adult,
        family=family,
    )


@pytest.fixture
def city(partnership):
    """A, B, D in tiers at the end of the period; C left its tier in it; E is A's sister."""
    ensure_default_indicators()
    chair, council = partnership.users["manager"], partnership.agencies["council"]
    city_council = LocalAuthority.objects.create(name="Riverton")
    places = {
        name: Neighbourhood.objects.create(
            name=f"{name} estate", local_authority=city_council, police_area=PoliceArea.objects.create(name=name)
        )
        for name in ("North", "South")
    }
    a, b, c, d = (ChildFactory(neighbourhood=places[name]) for name in ("North", "North", "South", "South"))
    e = ChildFactory(neighbourhood=places["North"])
    BasePopulation.objects.create(
        neighbourhood=places["North"], age_band="14-15", gender="female", ethnicity="white_british", count=400
    )
    decide(a, "most_vulnerable", date(2026, 1, 10), chair)
    decide(b, "vulnerable_cohort", date(2026, 1, 10), chair)
    decide(b, "most_vulnerable", date(2026, 3, 5), chair, outcome="change")
    decide(c, "cause_for_concern", date(2026, 2, 1), chair)
    decide(c, "", date(2026, 4, 1), chair, outcome="reject")
    decide(d, "cause_for_concern", date(2026, 3, 1), chair)
    decide(d, "vulnerable_cohort", date(2026, 5, 20), chair, outcome="change")  # after the period
    first, second = (
        Family.objects.create(reference="FA-D1", name="One"),
        Family.objects.create(reference="FA-D2", name="Two"),
    )
    mother = Adult.objects.create(given_name="M", family_name="One")
    for family, member in ((first, a), (first, e), (second, b), (second, d)):
        FamilyMember.objects.create(family=family, child=member, relationship="child")
    FamilyMember.objects.create(family=first, adult=mother, relationship="mother")
    observe(1, "crime", date(2026, 3, 1), child=a)
    ChronologyEvent.objects.create(
        occurred_on=date(2026, 3, 10), kind="arrest", summary="Arrested", child=b, source_agency=council
    )  # counts as crime (the indicator's event kinds)
    observe(2, "crime", date(2025, 12, 1), child=d)  # before the period: not counted
    observe(3, "school_attendance", date(2026, 3, 2), child=e)  # A's sister: A's family
    observe(4, "domestic_abuse", date(2026, 3, 3), adult=mother, family=first)  # A's family
    FamilyFact.objects.create(
        family=second, kind="financial_exclusion", noted_on=date(2026, 4, 1), source_agency=council, recorded_by=chair
    )  # B's and D's family
    observe(5, "health", date(2026, 4, 2), child=d)  # D themselves; B's family (D is B's brother or sister)
    ChronologyEvent.objects.create(
        occurred_on=date(2026, 4, 20), kind="contact", summary="Visit", child=a, source_agency=council
    )  # A is not drifting
    for day in (date(2026, 3, 4), date(2026, 3, 20), date(2026, 4, 9)):
        ChronologyEvent.objects.create(
            occurred_on=day, kind="weapon_offence", summary="Knife", child=b, source_agency=council
        )
    kind = InterventionType.objects.create(code="mentoring-test", label="Mentoring")
    for child, started, ended in (
        (a, date(2026, 1, 5), None),  # under way through the period
        (a, date(2026, 3, 1), date(2026, 3, 31)),
        (b, date(2025, 6, 1), date(2026, 2, 1)),  # ended before the period
        (d, date(2026, 4, 15), None),
        (None, date(2026, 3, 3), None),  # work with a context, no child
    ):
        Intervention.objects.create(
            child=child,
            context=None if child else Context.objects.create(reference="LO-W1", kind="location", name="Park"),
            intervention_type=kind,
            lead_agency=council,
            started_on=started,
            ended_on=ended,
            status="completed" if ended else "active",
            planned_outcomes="Safer",
            recorded_by=chair,
        )
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "north": places["North"].police_area, "la": city_council}


def test_tier_counts_on_two_past_dates_and_the_movement_between_them(city):
    before = figures.tiers_on(date(2026, 2, 15), SCOPE)
    after = figures.tiers_on(date(2026, 4, 30), SCOPE)
    assert before == {
        city["a"].pk: "most_vulnerable",
        city["b"].pk: "vulnerable_cohort",
        city["c"].pk: "cause_for_concern",
    }
    assert after == {
        city["a"].pk: "most_vulnerable",
        city["b"].pk: "most_vulnerable",
        city["d"].pk: "cause_for_concern",
    }
    table = figures.tier_table(SCOPE)
    assert [(row.label, row.values) for row in table.rows] == [
        ("Most vulnerable", [1, 2]),
        ("Vulnerable cohort", [1, 0]),
        ("Cause for concern", [1, 1]),
        ("Total", [3, 3]),
    ]
    moves = {row.label: row.values[0] for row in figures.movement_table(SCOPE).rows if row.values[0]}
    assert moves == {
        "Vulnerable cohort to most vulnerable": 1,
        "Cause for concern to not in a tier": 1,
        "Not in a tier to cause for concern": 1,
    }
    north = figures.tier_table(Scope(SCOPE.start, SCOPE.end, area=str(city["north"].pk)))
    assert north.rows[-1].values == [2, 2]
    authority = figures.tier_table(Scope(SCOPE.start, SCOPE.end, local_authority=str(city["la"].pk)))
    assert authority.rows[-1].values == [3, 3]


def test_social_factors_individual_and_family_percentages(city):
    group = [city["a"].pk, city["b"].pk, city["d"].pk]
    found = social.profile(group, SCOPE)
    assert found.individual == {
        "crime": 2,
        "school_attendance": 0,
        "children_needing_help": 0,
        "financial_exclusion": 0,
        "domestic_abuse": 0,
        "health": 1,
    }
    assert found.family == {
        "crime": 1,  # D's brother or sister B was arrested
        "school_attendance": 1,
        "children_needing_help": 0,
        "financial_exclusion": 2,
        "domestic_abuse": 1,
        "health": 1,
    }
    shown = present(found.table("Group"), shared=False)
    assert [(row.label, [cell.text for cell in cells]) for row, cells in shown.rows] == [
        ("Crime", ["67%", "33%"]),
        ("School attendance", ["0%", "33%"]),
        ("Children needing help", ["0%", "0%"]),
        ("Financial exclusion", ["0%", "67%"]),
        ("Domestic abuse", ["0%", "33%"]),
        ("Health", ["33%", "33%"]),
    ]
    # Shared outside the partnership, a group of fewer than 5 shows no percentage at all.
    assert {cell.text for _row, cells in present(found.table("Group"), shared=True).rows for cell in cells} == {
        "fewer than 5"
    }


def test_the_other_figures(city):
    weapons = figures.weapon_table(SCOPE)
    assert [(row.label, row.values) for row in weapons.rows] == [
        ("February 2026", [0]),
        ("March 2026", [2]),
        ("April 2026", [1]),
        ("Total", [3]),
    ]
    areas = {row.label: row.values for row in figures.area_table(SCOPE).rows}
    # The partnership's two children harmed at the bus station are victims placed in no neighbourhood.
    assert areas == {"North": [2, 0, 3], "Not recorded": [0, 2, 0], "South": [1, 0, 0], "Total": [3, 2, 3]}
    gender = {row.label: row.values for row in figures.demographics_tables(SCOPE)[0].rows}
    assert gender == {"Female": [3, 2, 400], "Total": [3, 2, 400]}
    # D has an intervention under way in the last 30 days; B has neither contact nor intervention.
    assert figures.drifting(SCOPE) == [city["b"].pk]
    work = {row.label: row.values[0] for row in figures.work_table(SCOPE).rows}
    assert work["Interventions delivered"] == 4  # three for children, one for a context
    assert work["Young people reached by an intervention"] == 2
    north = {
        row.label: row.values[0]
        for row in figures.work_table(Scope(SCOPE.start, SCOPE.end, area=str(city["north"].pk))).rows
    }
    # The context is placed in no neighbourhood: its work counts for the whole partnership only.
    assert north["Interventions delivered"] == 2 and north["Young people reached by an intervention"] == 1


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def test_missing_episodes_panels_drift_and_ethnicity(partnership, city):
    police, chair = partnership.agencies["police"], partnership.users["manager"]
    a, b, d = city["a"], city["b"], city["d"]
    for child, reported, returned, held in (
        (a, date(2026, 3, 5), at(date(2026, 3, 6)), at(date(2026, 3, 8), 9)),  # interview 47 hours after
        (b, date(2026, 4, 10), at(date(2026, 4, 11)), at(date(2026, 4, 15))),  # 96 hours after: late
        (a, date(2026, 4, 28), None, None),  # still missing
        (d, date(2026, 1, 3), at(date(2026, 1, 4)), at(date(2026, 1, 5))),  # before the period
    ):
        episode = MissingEpisode.objects.create(
            child=child,
            reported_missing_at=at(reported),
            returned_at=returned,
            risk_grading="medium",
            agency=police,
            recorded_by=chair,
        )
        if held:
            ReturnHomeInterview.objects.create(
                episode=episode,
                offered_at=returned,
                outcome="accepted",
                conducted_by="Worker",
                held_at=held,
                recorded_by=chair,
            )
    missing = {row.label: row.values[0] for row in figures.missing_table(SCOPE).rows}
    assert missing == {
        "Missing episodes reported": 3,
        "Children reported missing": 2,
        "Returns": 2,
        "Return home interviews held within 72 hours of the return": 1,
    }
    panel = Panel.objects.create(name="Test panel", chair_agency=partnership.agencies["council"])
    meetings = [
        PanelMeeting.objects.create(panel=panel, held_on=day, chair=chair)
        for day in (date(2026, 1, 10), date(2026, 3, 15), date(2026, 4, 15))
    ]
    items = {}
    for meeting, child in (
        (meetings[0], city["c"]),
        (meetings[1], a),
        (meetings[1], b),
        (meetings[2], a),
        (meetings[2], d),
    ):
        items[(meeting.held_on, child.pk)] = AgendaItem.objects.create(meeting=meeting, child=child)
    AgendaItem.objects.create(
        meeting=meetings[1], context=Context.objects.create(reference="LO-P1", kind="location", name="Yard")
    )
    for due, status in ((date(2026, 4, 1), "open"), (date(2026, 5, 10), "open"), (date(2026, 3, 20), "completed")):
        PanelAction.objects.create(
            meeting=meetings[1],
            agenda_item=items[(meetings[1].held_on, a.pk)],
            description="Visit",
            owner=chair,
            owner_agency=partnership.agencies["council"],
            due_on=due,
            status=status,
        )
    work = {row.label: row.values[0] for row in figures.work_table(SCOPE).rows}
    assert work["Panel meetings held"] == 2 and work["Children discussed at panel"] == 3  # A, B and D
    drift = {row.label: row.values[0] for row in figures.drift_table(SCOPE).rows}
    assert drift == {
        "Children in a tier with no contact or intervention for 30 days": 1,  # B
        "Panel actions open past their due date": 1,
    }
    ethnicity = {row.label: row.values for row in figures.demographics_tables(SCOPE)[1].rows}
    white_british = dict(Ethnicity.choices)["white_british"]
    assert ethnicity == {white_british: [3, 2, 400], "Total": [3, 2, 400]}


def test_outreach_figures_follow_the_police_area_chosen(partnership, city):
    manager = partnership.users["manager"]
    north, south = (Neighbourhood.objects.get(name=f"{name} estate") for name in ("North", "South"))
    for area, people in ((north, 30), (south, 12), (None, 7)):  # 7 at force-wide training: no one area
        OutreachEvent.objects.create(
            agency=partnership.agencies["police"],
            activity="training",
            audience="taxi_drivers",
            organisation="Cabs",
            area=area,
            held_on=date(2026, 3, 3),
            headcount=people,
            delivered_by="Officer",
            status="delivered",
            recorded_by=partnership.users["outreach"],
        )

    def trained(scope):
        table = next(t for t in reach.tables(manager, scope) if t.key == "outreach")
        return table.title, table.rows[-1].values[0]

    assert trained(SCOPE) == ("Outreach: people trained and made aware (all areas)", 49)
    assert trained(Scope(SCOPE.start, SCOPE.end, area=str(city["north"].pk))) == (
        "Outreach: people trained and made aware (North)",
        30,
    )
    assert trained(Scope(SCOPE.start, SCOPE.end, local_authority=str(city["la"].pk)))[1] == 42


def test_mentoring_figures_follow_the_police_area_chosen(partnership, city):
    """Young people's figures and sessions count where the young person lives; mentors, placed in
    no area, count for the whole partnership."""
    coordinator = partnership.users["coordinator"]
    mentor = vetted_mentor(partnership.agencies["mentoring"], moved_by=coordinator, since=date(2026, 1, 5))
    for child, sessions in ((city["a"], 3), (city["c"], 1)):  # A lives in the north, C in the south
        match = Match.objects.create(
            referral=referral(partnership, child, status="matched", referred_on=date(2026, 1, 10)),
            mentor=mentor,
            child=child,
            started_on=date(2026, 3, 1),
            suitability_notes="Both like football",
            proposed_by=coordinator,
        )
        for day in range(sessions):
            MentoringSession.objects.create(
                match=match,
                held_on=date(2026, 3, 10 + day),
                duration_minutes=60,
                activity="Football",
                place_type=PlaceType.values[0],
                attended=True,
                recorded_by=coordinator,
            )

    def mentoring(scope):
        table = next(t for t in reach.tables(partnership.users["manager"], scope) if t.key == "mentoring")
        return table.title, {row.label: row.values[0] for row in table.rows}

    title, everywhere = mentoring(SCOPE)
    assert title == "Community mentoring (all areas)"
    assert everywhere["Young people matched (started in the period)"] == 2
    assert everywhere["Sessions attended"] == 4 and everywhere["Mentors active"] == 1
    title, north = mentoring(Scope(SCOPE.start, SCOPE.end, area=str(city["north"].pk)))
    assert title == "Community mentoring (North)"
    assert north["Young people matched (started in the period)"] == 1
    assert north["Young people matched (active on the last day)"] == 1
    assert north["Sessions attended"] == 3
    assert north["Mentors active (all areas)"] == 1


def test_partnership_mentoring_counts_need_the_partnership_figures_permission(partnership):
    with pytest.raises(PermissionDenied):
        mentoring_report(partnership.users["caseworker"], SCOPE.start, SCOPE.end, partnership=True)


def test_primary_and_secondary_suppression():
    table = Table(
        "t", "T", ["Area", "Children"], with_total([Row("a", [3]), Row("b", [10]), Row("c", [7])]), total_row=True
    )
    assert [cell.text for _row, (cell,) in present(table, shared=True).rows] == [
        "fewer than 5",
        "10",
        "fewer than 5",
        "20",
    ]
    assert [cell.text for _row, (cell,) in present(table, shared=False).rows] == ["3", "10", "7", "20"]
    # No other non-zero count to hide: the total goes instead.
    lonely = Table(
        "t", "T", ["Area", "Children"], with_total([Row("a", [2]), Row("b", [0]), Row("c", [9])]), total_row=True
    )
    assert [cell.text for _row, (cell,) in present(lonely, shared=True).rows] == [
        "fewer than 5",
        "0",
        "fewer than 5",
        "11",
    ]
    grid = Table(
        "g",
        "G",
        ["", "x", "y", "Total"],
        with_total([Row("a", [1, 6, 7]), Row("b", [8, 9, 17])]),
        total_row=True,
        total_column=True,
    )
    hidden = [[cell.value is None for cell in cells] for _row, cells in present(grid, shared=True).rows]
    # The 1 is hidden, then one more in its row and in its column, then one more in each of those lines.
    assert hidden[0][0] and sum(hidden[0][:2]) == 2 and sum(row[0] for row in hidden[:2]) == 2


def test_the_manager_drills_from_a_count_into_the_children_they_may_see(client_for, partnership, city):
    Involvement.objects.create(agency=partnership.agencies["youth_justice"], child=city["a"])
    response = client_for("manager").get(reverse("dashboards:children") + f"?{QUERY}&list=tier&tier=most_vulnerable")
    assert response.status_code == 200
    body = response.content.decode()
    assert city["a"].family_name in body and city["b"].family_name not in body
    assert "1 child not shown: you may not see their records." in body
    assert AuditEvent.objects.filter(action=AuditAction.LIST, subjects__object_id=str(city["a"].pk)).exists()


def test_the_dashboard_page_shows_the_figures_and_keeps_them(client_for, city):
    client = client_for("manager")
    body = client.get(reverse("dashboards:dashboard") + f"?{QUERY}").content.decode()
    assert "Children in each cohort tier" in body and "Computed at" in body
    assert Aggregate.objects.count() == 1
    kept = Aggregate.objects.get().computed_at
    client.get(reverse("dashboards:dashboard") + f"?{QUERY}")
    assert Aggregate.objects.get().computed_at == kept  # read, not computed again
    aggregates.refresh()
    assert not Aggregate.objects.filter(key__contains="2026-02-16").exists()


def test_shared_output_hides_small_counts_in_the_page_and_the_csv(client_for, city):
    client = client_for("manager")
    response = client.get(reverse("dashboards:table_csv", kwargs={"key": "tiers"}) + f"?{QUERY}&shared=on")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["Tier", "On 15 February 2026", "On 30 April 2026"]
    assert rows[2:6] == [
        ["Most vulnerable", "fewer than 5", "fewer than 5"],
        ["Vulnerable cohort", "fewer than 5", "0"],
        ["Cause for concern", "fewer than 5", "fewer than 5"],
        ["Total", "fewer than 5", "fewer than 5"],
    ]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    internal = client.get(reverse("dashboards:table_csv", kwargs={"key": "tiers"}) + f"?{QUERY}")
    assert list(csv.reader(io.StringIO(internal.content.decode())))[2] == ["Most vulnerable", "1", "2"]


def test_the_scrutiny_report_pdf_holds_the_figures(client_for, city):
    response = client_for("manager").get(reverse("dashboards:report_pdf") + f"?{QUERY}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Children in each cohort tier" in text
    assert "Weapon-tagged offences by month" in text
    assert "Analysis of 2 young offenders' social factors" in text


def test_the_young_offenders_table_of_the_report_downloads_and_a_group_of_one_shows_no_percentage(client_for, city):
    client = client_for("manager")
    response = client.get(reverse("dashboards:table_csv", kwargs={"key": "offenders"}) + f"?{QUERY}")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response.status_code == 200 and rows[0] == ["Analysis of 2 young offenders' social factors"]
    assert rows[2:8] == [  # A and B offended; D's offence was before the period
        ["Crime", "100%", "0%"],
        ["School attendance", "0%", "50%"],  # A's sister E
        ["Children needing help", "0%", "0%"],
        ["Financial exclusion", "0%", "50%"],  # B's family fact
        ["Domestic abuse", "0%", "50%"],  # A's mother
        ["Health", "0%", "50%"],  # B's brother or sister D
    ]
    # From 2 March only B offended: one child, whose percentages would describe them.
    march = "start_day=2&start_month=3&start_year=2026&end_day=31&end_month=3&end_year=2026"
    for shared in ("", "&shared=on"):
        body = client.get(reverse("dashboards:report") + f"?{march}{shared}").content.decode()
        offenders = body.split("Analysis of 1 young offenders")[1].split("</table>")[0]
        assert "%" not in offenders
        assert "There is one child in this group" in body


def test_the_social_factors_page_for_a_tier_and_its_messages(client_for, city):
    client = client_for("manager")
    url = reverse("dashboards:social_factors")
    body = client.get(url + f"?{QUERY}&group=tier").content.decode()
    assert "3 children in the group." in body and "67%" in body
    one = client.get(url + f"?{QUERY}&group=tier&tier=vulnerable_cohort").content.decode()
    assert "There are no children in this group" in one
    single = client.get(url + f"?{QUERY}&group=tier&tier=cause_for_concern").content.decode()
    assert "There is one child in this group" in single and "%" not in single.split("There is one child")[1][:200]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "start_day=1&start_month=5&start_year=2026&end_day=1&end_month=4&end_year=2026",
            "The end date must be the same as or after the start date",
        ),
        (f"{QUERY}&area=Atlantis", "Choose a police area from the list"),
        (f"{QUERY}&local_authority=Nowhere", "Choose a local authority from the list"),
        ("start_day=31&start_month=2&start_year=2026&end_day=1&end_month=4&end_year=2026", "Enter a real date"),
    ],
)
def test_bad_input_gets_a_clear_message(client_for, city, query, message):
    pages = [
        reverse(f"dashboards:{name}")
        for name in ("dashboard", "children", "social_factors", "hotspots", "network", "report", "report_pdf")
    ]
    for url in [*pages, reverse("dashboards:table_csv", kwargs={"key": "tiers"})]:
        response = client_for("manager").get(f"{url}?{query}&group=tier&list=tier&tier=most_vulnerable")
        assert response.status_code == 400, url
        assert message in response.content.decode(), url
    api = client_for("manager").get(reverse("api:dashboard-figures") + "?start=2026-05-01&end=2026-04-01")
    assert api.status_code == 400 and "end" in api.json()
    for name, value in (("area", "Atlantis"), ("local_authority", "Nowhere")):
        unknown = client_for("manager").get(
            reverse("api:dashboard-figures") + f"?start=2026-02-16&end=2026-04-30&{name}={value}"
        )
        assert unknown.status_code == 400 and name in unknown.json()


def test_the_api_gives_the_children_discussed_and_the_tables(client_for, city):
    response = client_for("manager").get(reverse("api:dashboard-figures") + "?start=2026-02-16&end=2026-04-30")
    assert response.status_code == 200
    data = response.json()
    assert data["children_discussed_at_panel"] == 0
    tiers = next(table for table in data["tables"] if table["key"] == "tiers")
    assert tiers["rows"][0]["values"] == [1, 2]


def test_whoever_the_administrator_names_reads_the_figures(client_for, partnership, city):
    caseworker = partnership.users["caseworker"]
    assert client_for("caseworker").get(reverse("dashboards:dashboard")).status_code == 404
    caseworker.user_permissions.add(Permission.objects.get(codename="view_partnership_figures"))
    assert client_for("caseworker").get(reverse("dashboards:dashboard")).status_code == 200


def test_a_published_cohort_run_and_an_applied_feed_refresh_the_kept_figures(partnership, settings):
    from types import SimpleNamespace

    from dashboards.signals import after_task

    settings.CELERY_TASK_ALWAYS_EAGER = True
    Aggregate.objects.create(key="stale", tables=[], computed_at=timezone.now())
    after_task(sender=SimpleNamespace(name="cohorts.recalculate"), result="skipped")
    assert Aggregate.objects.filter(key="stale").exists()  # nothing changed: nothing refreshed
    after_task(sender=SimpleNamespace(name="cohorts.recalculate"), result="published")
    assert not Aggregate.objects.filter(key="stale").exists()
    assert Aggregate.objects.filter(key__startswith="dashboard|").count() == 1
    Aggregate.objects.create(key="stale", tables=[], computed_at=timezone.now())
    after_task(sender=SimpleNamespace(name="cohorts.apply_feed"), result=None)
    assert not Aggregate.objects.filter(key="stale").exists()


def test_the_drill_down_list_reads_a_fixed_number_of_queries(
    client_for, partnership, city, django_assert_max_num_queries
):
    Involvement.objects.create(agency=partnership.agencies["youth_justice"], child=city["a"])
    Involvement.objects.create(agency=partnership.agencies["youth_justice"], child=city["b"])
    client = client_for("manager")
    url = reverse("dashboards:children") + f"?{QUERY}&list=tier&tier=most_vulnerable"
    with django_assert_max_num_queries(20):
        body = client.get(url).content.decode()
    assert city["a"].family_name in body and city["b"].family_name in body


def test_hotspots_and_the_network_are_not_for_sharing(client_for, partnership, city):
    Involvement.objects.create(agency=partnership.agencies["youth_justice"], child=city["a"])
    client = client_for("manager")
    for name in ("dashboards:hotspots", "dashboards:network"):
        body = client.get(reverse(name) + f"?{QUERY}&shared=on").content.decode()
        assert "it is not for sharing outside the partnership" in body
        assert city["a"].family_name not in body
