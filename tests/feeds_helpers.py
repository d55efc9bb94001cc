"""Helpers for the data feed tests: build CSV files and run an upload through the eager job."""

import csv
import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from feeds.models import FEED_HEADER


def feed_csv(rows: list[dict], *, header=FEED_HEADER, bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def upload(content: bytes, name: str = "feed.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def row(record_id: str, child=None, **values) -> dict:
    """A feed row about an existing child (its names, date of birth and identifiers) or given values."""
    base = {
        "source_system": "schools",
        "source_record_id": record_id,
        "indicator_code": "school_attendance",
        "observed_on": days_ago(10),
    }
    if child is not None:
        from cases.models import FamilyMember

        family = FamilyMember.objects.filter(child=child).select_related("family").first()
        base["postcode"] = family.family.postcode if family else ""
        base.update(
            given_name=child.given_name,
            family_name=child.family_name,
            date_of_birth=child.date_of_birth.isoformat(),
            upn=child.upn,
            nhs_number=child.nhs_number,
            police_id=child.police_id,
        )
    base.update(values)
    return base


@pytest.fixture
def media(tmp_path, settings):
    """Uploaded files in a temporary folder, and queued jobs run in-process when the transaction
    commits (as without Redis), also when the suite runs with REDIS_URL set as in CI."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings.MEDIA_ROOT


@contextmanager
def held_by_another_job(hold: Callable[[], None]) -> Iterator[None]:
    """Runs `hold` (taking row locks, say) in a transaction on a thread and connection of its own, as a
    job's apply would, and keeps that transaction open, its locks held, until the block ends."""
    locked, release = threading.Event(), threading.Event()

    def job() -> None:
        try:
            with transaction.atomic():
                hold()
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=job)
    thread.start()
    try:
        assert locked.wait(30), "the other job never took its locks"
        yield
    finally:
        release.set()
        thread.join()
