"""'Try again' and 'Abandon' for a feed import that stopped responding (see
feeds.services.recovery). POST only, from the banner on the feed's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from feeds import services
from safeguarding.http import not_found


def _act(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    feed = services.visible_feeds(request.user).filter(pk=pk).first()
    if feed is None:
        return not_found(request)
    try:
        action(request.user, feed)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, success)
    return redirect("cohorts:feed_detail", pk=feed.pk)


@login_required
@require_POST
def feed_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.retry_feed, "The import was queued again")


@login_required
@require_POST
def feed_abandon(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.abandon_feed,
        "The import was abandoned. Nothing was applied: you can upload the file again.",
    )
