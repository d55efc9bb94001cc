"""What every app's services share."""

from __future__ import annotations

from typing import Any


class StaleVersion(Exception):
    """Somebody else saved the record since this user opened it."""

    def __init__(self, current: Any):
        super().__init__("The record was changed by someone else.")
        self.current = current
