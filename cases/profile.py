"""Sections that apps above `cases` add to the child, family and context pages.

`cases` may not import the apps built on it, so they plug in here when they are ready (for
example `interventions` adds the subject's interventions). A provider gets the viewing user, the
subject's kind ("child", "family" or "context") and the subject, read through the access policy,
and returns more template context for the page. The home page works the same way: a provider
gets the user (`register_home`), and flag annotators add columns to the caseload's QuerySet
(`register_caseload_flags`).
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


# The home page: apps above add sections (a user's tasks) and per-child flags on the caseload.

HomeProvider = Callable[[Any], dict[str, Any]]
FlagAnnotator = Callable[[Any, Any], Any]

_home_providers: list[HomeProvider] = []
_flag_annotators: list[FlagAnnotator] = []


def register_home(provider: HomeProvider) -> None:
    if provider not in _home_providers:
        _home_providers.append(provider)


def home_sections(user: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in _home_providers:
        context.update(provider(user))
    return context


def register_caseload_flags(annotator: FlagAnnotator) -> None:
    """`annotator(user, children)` returns the children QuerySet with flag annotations (subqueries,
    so the caseload page stays one query for its rows)."""
    if annotator not in _flag_annotators:
        _flag_annotators.append(annotator)


def with_caseload_flags(user: Any, children: Any) -> Any:
    for annotator in _flag_annotators:
        children = annotator(user, children)
    return children
