"""CSV downloads: one response shape and one guard against spreadsheet formulas for every export."""

from __future__ import annotations

import csv
from typing import Any

from django.http import HttpResponse

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text, with a quote in front of one a spreadsheet would run as a formula (CSV
    injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_response(filename: str) -> tuple[HttpResponse, Any]:
    """An attachment that is never cached, and a csv writer into it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response, csv.writer(response)
