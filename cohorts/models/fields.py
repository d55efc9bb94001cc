"""A compact column for the explanation of a suggestion, written by the set-based scoring statement."""

import json

from django.db import models


class IntRowsField(models.Field):
    """Rows of integers, e.g. [[3, 2, 40], [7, 1, 12]]: an `integer[]` array on PostgreSQL (built by
    `array_agg` in the scoring statement: no JSON to build, parse or store for 100,000 children) and
    JSON text on SQLite, which has no arrays. Read back as a list of lists on both."""

    description = "Rows of integers"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def db_type(self, connection) -> str:
        return "integer[]" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        if isinstance(value, str):
            return json.loads(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return value or []

    def get_db_prep_value(self, value, connection, prepared=False):
        rows = [[int(number) for number in row] for row in (value or [])]
        return rows if connection.vendor == "postgresql" else json.dumps(rows)
