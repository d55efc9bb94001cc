"""The error report of a file with errors: line, the values as sent, the errors, as CSV rows."""

from __future__ import annotations

from collections.abc import Iterator

from feeds.models import FEED_HEADER, FeedImport, FeedRow, RowStatus
from safeguarding.exports import safe_cell


def error_report_rows(feed: FeedImport) -> Iterator[list[str]]:
    """Header then one row per invalid line: line, the values as sent, the errors."""
    yield ["line", *FEED_HEADER, "errors"]
    staged = FeedRow.objects.filter(feed=feed, status=RowStatus.INVALID).order_by("line_number")
    for values in staged.values_list("line_number", *FEED_HEADER, "errors").iterator(chunk_size=5_000):
        yield [str(values[0]), *(safe_cell(value) for value in values[1:-1]), safe_cell(values[-1].replace("\n", "; "))]


def invalid_row_ids(feed: FeedImport) -> list[int]:
    return list(FeedRow.objects.filter(feed=feed, status=RowStatus.INVALID).values_list("pk", flat=True)[:10_000])
