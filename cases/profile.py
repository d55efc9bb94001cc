"""Sections that apps above `cases` add to the child, family and context pages.

`cases` may not import the apps built on it, so they plug in here when they are ready (for
example `interventions` adds the subject's interventions). A provider gets the viewing user, the
subject's kind ("child", "family" or "context") and the subject, read through the access policy,
and returns more template context for the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[[Any, str, Any], dict[str, Any]]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sections(user: Any, kind: str, subject: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in _providers:
        context.update(provider(user, kind, subject))
    return context
