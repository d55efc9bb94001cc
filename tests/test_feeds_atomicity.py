"""A feed is applied whole or not at all (issue 20): the import job is killed after each step that
writes (families and households, new children and their search names, identifiers added to a child
held, adults, family links, observations, the recalculation request), and nothing of the file is
left. Removing the apply's transaction makes these fail."""

import pytest

from cases.models import Adult, Child, ChildName, Family, FamilyMember
from cohorts.models import CohortRun, Observation
from feeds import services
from feeds.models import FeedImport, FeedStatus
from feeds.services import importing
from feeds.services.applying import Applier
from tests.feeds_helpers import feed_csv, media, row, upload  # noqa: F401 -- media is a fixture

pytestmark = pytest.mark.django_db

UPN = "K123456789012"


class WorkerKilled(BaseException):
    """The worker dying mid-job: no `except Exception` runs and the transaction rolls back."""


def die_after(original):
    def step(*args, **kwargs):
        original(*args, **kwargs)
        raise WorkerKilled

    return step


def die_before(_original):
    def step(*_args, **_kwargs):
        raise WorkerKilled

    return step


# (where, what, how): the job dies once `what` has written.
STEPS = {
    "families and households": (Applier, "families_for", die_after),
    "new children and names": (Applier, "create_children", die_after),
    "identifiers of a child held": (Applier, "fill_identifiers", die_after),
    "adults": (Applier, "resolve_adults", die_after),
    "family links": (Applier, "link_members", die_after),
    "observations": (importing, "_complete", die_before),
    "the recalculation request": (importing, "request_recalculation", die_after),
}


def rows(partnership) -> list[dict]:
    held = partnership.council_child
    return [
        row("a-1", held, upn=UPN),  # a child held, given an identifier they lack
        row("a-2", given_name="Newchild", family_name="Household", date_of_birth="2012-05-01", household_ref="H-1"),
        row("a-3", given_name="Parent", family_name="Household", date_of_birth="1980-02-03", household_ref="H-1"),
    ]


def what_the_file_left(feed: FeedImport, held: Child) -> dict[str, int]:
    return {
        "children": Child.objects.filter(given_name="Newchild").count(),
        "names": ChildName.objects.filter(normalised__contains="newchild").count(),
        "adults": Adult.objects.filter(given_name="Parent").count(),
        "families": Family.objects.count(),
        "links": FamilyMember.objects.count(),
        "observations": Observation.objects.count(),
        "identifiers": Child.objects.filter(pk=held.pk, upn=UPN).count(),
        "runs": CohortRun.objects.count(),
    }


@pytest.mark.parametrize("step", list(STEPS))
def test_a_job_killed_after_any_write_leaves_nothing_of_the_file(step, partnership, monkeypatch, media):  # noqa: F811
    p = partnership
    held = p.council_child
    assert not held.upn
    before_families, before_links = Family.objects.count(), FamilyMember.objects.count()
    where, name, how = STEPS[step]
    monkeypatch.setattr(where, name, how(getattr(where, name)))
    feed = services.upload_feed(p.users["manager"], upload(feed_csv(rows(p))))
    with pytest.raises(WorkerKilled):
        services.import_feed(feed.pk)
    left = what_the_file_left(feed, held)
    assert left == {
        "children": 0,
        "names": 0,
        "adults": 0,
        "families": before_families,
        "links": before_links,
        "observations": 0,
        "identifiers": 0,
        "runs": 0,
    }
    assert FeedImport.objects.get(pk=feed.pk).status == FeedStatus.MATCHING  # the job died: not applied


def test_the_same_file_run_to_the_end_writes_every_part(partnership, media):  # noqa: F811
    """The control: without a kill, each part the tests above look for is written."""
    p = partnership
    before_families, before_links = Family.objects.count(), FamilyMember.objects.count()
    feed = services.upload_feed(p.users["manager"], upload(feed_csv(rows(p))))
    services.import_feed(feed.pk)
    feed.refresh_from_db()
    assert feed.status == FeedStatus.APPLIED
    left = what_the_file_left(feed, p.council_child)
    assert left["children"] == 1 and left["names"] == 1 and left["adults"] == 1
    assert left["families"] == before_families + 1 and left["links"] >= before_links + 2
    assert left["observations"] == 3 and left["identifiers"] == 1 and left["runs"] == 1
