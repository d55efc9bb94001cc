from datetime import date

import pytest
from django.core.management import CommandError, call_command

from access.models import AccessGrant
from accounts.models import User
from cases.models import Child

pytestmark = pytest.mark.django_db

PERSONAS = ("caseworker", "police", "voluntary", "mentor", "coordinator", "outreach", "manager", "dpo", "admin")


def test_seed_refuses_outside_demo_mode(settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_is_idempotent_and_gives_each_persona_its_own_view(settings):
    settings.DEMO = True
    call_command("seed_demo")
    counts = (User.objects.count(), Child.objects.count(), AccessGrant.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Child.objects.count(), AccessGrant.objects.count()) == counts
    assert Child.objects.count() >= 200

    users = {user.username: user for user in User.objects.filter(username__in=PERSONAS)}
    assert set(users) == set(PERSONAS)
    assert all(user.check_password(settings.DEMO_PASSWORD) for user in users.values())
    seen = {
        name: frozenset(Child.objects.visible_to(user).values_list("pk", flat=True)) for name, user in users.items()
    }
    caseload_personas = ("caseworker", "police", "voluntary", "coordinator", "manager")
    assert all(seen[name] for name in caseload_personas)
    assert len({seen[name] for name in caseload_personas}) == len(caseload_personas)
    # The mentor sees their young people in mentoring only (docs/mentoring.md), never as case records.
    assert not seen["dpo"] and not seen["admin"] and not seen["outreach"] and not seen["mentor"]


def test_demo_and_new_young_people_share_one_reference_format(settings, partnership):
    """The demo's young people and one added through the service are CH- and their row's id; a
    database seeded before (SO-00004) is renamed by migration cases/0011."""
    from importlib import import_module

    from django.apps import apps

    from cases.services import children as child_services

    settings.DEMO = True
    call_command("seed_demo")
    demo = list(Child.objects.filter(reference__startswith="CH-").values_list("pk", "reference"))
    assert len(demo) >= 200 and all(reference == f"CH-{pk:06d}" for pk, reference in demo)
    assert not Child.objects.filter(reference__startswith="SO-").exists()
    added = child_services.create_child(
        partnership.users["caseworker"],
        {"given_name": "Ada", "family_name": "Newchild", "date_of_birth": date(2012, 5, 1)},
    )
    assert added.reference == f"CH-{added.pk:06d}"

    old = Child.objects.order_by("pk").first()
    Child.objects.filter(pk=old.pk).update(reference="SO-00001")
    import_module("cases.migrations.0011_one_child_reference_format").one_format(apps, None)
    assert Child.objects.get(pk=old.pk).reference == f"CH-{old.pk:06d}"


def test_demo_story_gives_each_persona_contexts_families_and_chronology(settings):
    from cases.models import ChronologyEvent, Context, ContextPlan, Family, Referral

    settings.DEMO = True
    call_command("seed_demo")
    counts = [model.objects.count() for model in (Context, Family, ChronologyEvent, Referral)]
    call_command("seed_demo")
    assert [model.objects.count() for model in (Context, Family, ChronologyEvent, Referral)] == counts
    assert Context.objects.filter(kind="peer_group", name="The 24s").exists()
    caseworker, voluntary = User.objects.get(username="caseworker"), User.objects.get(username="voluntary")
    assert Context.objects.visible_to(caseworker).filter(name="Riverton bus station").exists()
    assert set(Context.objects.visible_to(caseworker)) != set(Context.objects.visible_to(voluntary))
    assert Family.objects.visible_to(caseworker).exists()
    assert ChronologyEvent.objects.visible_to(caseworker).count() > 100
    assert ContextPlan.objects.visible_to(caseworker).get().children.count() == 2


def test_demo_cohort_reproduces_the_briefings_figures(settings):
    """The briefing's 64 / 38 / 93 in tiers (decided by the panel), 207 children discussed at panel in
    the demo period, suggestions for a minority of the young people known, places in two local
    authorities with police working across them. Each figure is counted here on its own, then
    compared with what the live queries say."""
    from datetime import timedelta

    from django.db.models import Count
    from django.utils import timezone

    from areas.models import BasePopulation, Neighbourhood
    from cohorts.models import ChildTier, CurrentSuggestion, TierDecision
    from cohorts.services import fairness
    from interventions import queries_panels
    from interventions.models import AgendaItem

    settings.DEMO = True
    call_command("seed_demo")
    tiers = dict(ChildTier.objects.order_by().values_list("tier").annotate(n=Count("pk")))
    assert tiers == {"most_vulnerable": 64, "vulnerable_cohort": 38, "cause_for_concern": 93}
    decided = TierDecision.objects.filter(panel_meeting__isnull=False, tier__in=list(tiers)).values("child")
    assert ChildTier.objects.filter(child__in=decided).count() == 195  # every one decided at a panel meeting

    today = timezone.localdate()
    start = today - timedelta(days=90)
    items = AgendaItem.objects.filter(meeting__held_on__gte=start, meeting__held_on__lte=today)
    discussed = {child for child in items.values_list("child_id", flat=True) if child is not None}
    assert len(discussed) == queries_panels.children_discussed(start, today) == 207

    known = Child.objects.count()
    suggested = CurrentSuggestion.objects.exclude(tier="").count()
    assert known >= 1_500 and suggested < known * 0.4
    report = fairness.fairness_report()
    assert (report.base, report.suggested, report.tiered) == (known, suggested, 195)

    authorities = {
        name: count
        for name, count in Child.objects.values_list("neighbourhood__local_authority__name").annotate(n=Count("pk"))
    }
    assert len(authorities) == 2 and all(count > 100 for count in authorities.values())
    crossing = Neighbourhood.objects.values("police_area").annotate(n=Count("local_authority", distinct=True))
    assert Neighbourhood.objects.count() >= 6 and crossing.filter(n__gt=1).exists()
    assert BasePopulation.objects.filter(count__gt=0).values("neighbourhood").distinct().count() == 8
