"""Compare a copy of the audit log stream (audit/shipping.py, docs/audit-log.md) with the audit trail
in the database. Exits non-zero, listing each difference, if they disagree."""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit import services, shipping


def _lines(paths: list[str]) -> Iterator[str]:
    for path in paths:
        if path == "-":
            yield from sys.stdin
        else:
            with Path(path).open(encoding="utf-8", errors="replace") as log:
                yield from log


class Command(BaseCommand):
    help = "Compare the shipped audit log (files, or - for standard input) with the audit trail in the database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("logs", nargs="+", help="log files holding the audit.trail lines, in any order")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = shipping.compare(_lines(options["logs"]))
        except OSError as error:
            raise CommandError(f"Cannot read the log: {error}") from error
        problems = result.problems + services.redaction_problems()
        if result.first is None:
            raise CommandError("No audit lines in the log: is it the audit.trail stream?")
        self.stdout.write(
            f"Compared {result.checked} events in the log (ids {result.first} to {result.last}) with the database; "
            f"{result.redacted} had their content removed by a recorded redaction."
        )
        if problems:
            for problem in problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"{len(problems)} differences between the log and the database.")
        self.stdout.write("No differences.")
