"""Uploading a feed: the checks of the file as a whole (nothing is saved if it is refused), then the
file saved and its import queued (feeds.services.importing.import_feed runs it)."""

from __future__ import annotations

import codecs
import csv
import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership, Role
from audit import services as audit
from audit.models import AuditAction
from feeds.models import FEED_HEADER, HEADER_WITHOUT_DEMOGRAPHICS, FeedImport
from feeds.services.access import require_feeds_uploader
from feeds.services.importing import FAILED_OR_REJECTED, IMPORT_TASK
from jobs import outbox

if TYPE_CHECKING:
    from django.core.files import File

    from accounts.models import User


class DuplicateFeed(ValidationError):
    """The same file was uploaded before; `existing` is that upload."""

    def __init__(self, existing: FeedImport) -> None:
        when = timezone.localtime(existing.created_at).strftime("%-d %B %Y at %H:%M")
        who = existing.uploaded_by.get_full_name() or existing.uploaded_by.username
        super().__init__({"file": [f"This file was already uploaded on {when} by {who}"]})
        self.existing = existing


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def check_header(header: list[str]) -> None:
    """The header must be exactly FEED_HEADER, in order, or its first 13 columns (a file from before
    gender and ethnicity were columns); a UTF-8 byte order mark is allowed."""
    if header and header[0].startswith("\ufeff"):
        header = [header[0][1:], *header[1:]]
    header = [column.strip() for column in header]
    if header in (list(FEED_HEADER), list(HEADER_WITHOUT_DEMOGRAPHICS)):
        return
    optional = set(FEED_HEADER) - set(HEADER_WITHOUT_DEMOGRAPHICS)
    # Gender and ethnicity may be left out together; one without the other is missing its pair.
    required = FEED_HEADER if optional & set(header) else HEADER_WITHOUT_DEMOGRAPHICS
    missing = [column for column in required if column not in header]
    unexpected = [column for column in header if column not in FEED_HEADER]
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if unexpected:
        parts.append(f"unexpected {', '.join(unexpected or [])}")
    if parts:
        raise _file_error(f"The first line of the file must name the columns: {'; '.join(parts)}")
    raise _file_error(f"The columns must be in this order: {','.join(required)}")


def inspect_file(uploaded_file: File[bytes]) -> str:
    """Check the file is a non-empty UTF-8 CSV with the right header, within the size limit;
    return its SHA-256. Raises ValidationError({'file': [...]}) naming the problem."""
    name = uploaded_file.name or ""
    size = uploaded_file.size or 0
    if size == 0:
        raise _file_error("The selected file is empty")
    if size > settings.FEED_MAX_BYTES:
        limit = settings.FEED_MAX_BYTES / (1024 * 1024)
        raise _file_error(f"The selected file must be smaller than {limit:g} MB")
    if not name.lower().endswith(".csv"):
        raise _file_error("The selected file must be a CSV")
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = b""
    uploaded_file.seek(0)
    try:
        for chunk in uploaded_file.chunks():
            if b"\x00" in chunk:
                raise _file_error("The selected file must be a CSV: it contains binary data")
            digest.update(chunk)
            decoder.decode(chunk)
            if len(first) < 65_536:
                first += chunk[: 65_536 - len(first)]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _file_error("The selected file must be a CSV saved as UTF-8 text") from error
    uploaded_file.seek(0)
    text = first.decode("utf-8", errors="ignore")
    line = text.splitlines()[0] if text.splitlines() else ""
    try:
        header = next(csv.reader([line]))
    except (csv.Error, StopIteration) as error:
        raise _file_error("The selected file must be a CSV") from error
    check_header(header)
    return digest.hexdigest()


def upload_feed(user: User, uploaded_file: File[bytes] | None) -> FeedImport:
    """Check and save an uploaded feed and queue its import. Nothing is saved if it is refused."""
    require_feeds_uploader(user)
    membership = Membership.objects.active().filter(user=user, role=Role.MANAGER).select_related("agency").first()
    if uploaded_file is None:
        raise _file_error("Select a CSV file")
    sha256 = inspect_file(uploaded_file)
    existing = _live_feed_with(sha256)
    if existing is not None:
        raise DuplicateFeed(existing)
    try:
        with transaction.atomic():
            assert membership is not None  # require_feeds_uploader: the user manages an agency
            feed = FeedImport(
                original_name=(uploaded_file.name or "feed.csv")[-255:],
                size_bytes=uploaded_file.size,
                sha256=sha256,
                uploaded_by=user,
                agency=membership.agency,
            )
            feed.file.save(f"feed-{sha256[:12]}.csv", uploaded_file, save=False)
            feed.save()
            audit.record(
                user,
                AuditAction.CREATE,
                obj=feed,
                detail={"file": feed.original_name, "bytes": feed.size_bytes, "sha256": sha256},
            )
            outbox.enqueue(IMPORT_TASK, feed.pk)
    except IntegrityError as error:  # the same file uploaded at the same moment
        existing = _live_feed_with(sha256)
        if existing is None:
            raise
        raise DuplicateFeed(existing) from error
    return feed


def _live_feed_with(sha256: str) -> FeedImport | None:
    return (
        FeedImport.objects.filter(sha256=sha256)
        .exclude(status__in=FAILED_OR_REJECTED)
        .select_related("uploaded_by")
        .first()
    )
