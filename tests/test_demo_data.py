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
    database seeded before (SO-00004) is renamed by migration cases/0006."""
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
    import_module("cases.migrations.0006_one_child_reference_format").one_format(apps, None)
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
