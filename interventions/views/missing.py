"""Pages for missing episodes: report a young person missing, record their return, record the
return home interview, and the list of episodes with the figure for interviews completed within
72 hours of the return."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access import lookups, policy
from cases.queries import child_or_404
from interventions import queries_missing
from interventions.forms.missing import InterviewForm, MissingEpisodeForm, ReturnForm
from interventions.models import MissingEpisode
from interventions.services import missing as services
from safeguarding.forms import add_service_errors

EPISODES_PER_PAGE = 25
FIGURE_MONTHS = 12


def _changeable(request: HttpRequest, episode: MissingEpisode) -> None:
    if not policy.can(request.user, "change_child", episode.child):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def episode_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    child = child_or_404(user, pk)
    if not policy.can(user, "change_child", child):
        raise PermissionDenied
    if request.method == "POST":
        form = MissingEpisodeForm(request.POST)
        if form.is_valid():
            try:
                episode = services.report_missing(user, child, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Missing episode recorded")
                return redirect("interventions:missing_episode_detail", pk=episode.pk)
    else:
        lookups.note_read(user, child, basis=child.access_basis)
        form = MissingEpisodeForm()
    return render(request, "interventions/missing_episode_create.html", {"form": form, "child": child})


@login_required
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    episode = queries_missing.episode_or_404(user, pk)
    lookups.note_read(user, episode)
    return render(
        request,
        "interventions/missing_episode_detail.html",
        {
            "episode": episode,
            "child": episode.child,
            "interview": getattr(episode, "interview", None),
            "task": getattr(episode, "task", None),
            "can_change": policy.can(user, "change_child", episode.child),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def episode_return(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    episode = queries_missing.episode_or_404(user, pk)
    _changeable(request, episode)
    if episode.returned_at is not None:
        messages.info(request, "The return has already been recorded for this episode")
        return redirect("interventions:missing_episode_detail", pk=episode.pk)
    if request.method == "POST":
        form = ReturnForm(request.POST)
        if form.is_valid():
            try:
                services.record_return(user, episode, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Return recorded. A return home interview is due within 72 hours")
                return redirect("interventions:missing_episode_detail", pk=episode.pk)
    else:
        lookups.note_read(user, episode)
        form = ReturnForm()
    return render(request, "interventions/missing_episode_return.html", {"form": form, "episode": episode})


@login_required
@require_http_methods(["GET", "POST"])
def episode_interview(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    episode = queries_missing.episode_or_404(user, pk)
    _changeable(request, episode)
    if hasattr(episode, "interview"):
        messages.info(request, "A return home interview has already been recorded for this episode")
        return redirect("interventions:missing_episode_detail", pk=episode.pk)
    if episode.returned_at is None:
        messages.info(request, "Record the young person's return before the return home interview")
        return redirect("interventions:missing_episode_detail", pk=episode.pk)
    if request.method == "POST":
        form = InterviewForm(request.POST)
        if form.is_valid():
            try:
                services.record_interview(user, episode, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Return home interview recorded")
                return redirect("interventions:missing_episode_detail", pk=episode.pk)
    else:
        lookups.note_read(user, episode)
        form = InterviewForm()
    return render(request, "interventions/missing_episode_interview.html", {"form": form, "episode": episode})


@login_required
def episode_list(request: HttpRequest) -> HttpResponse:
    """Newest first, one page at a time (no total counted), under the figure for the last 12 months."""
    user = request.user
    lookups.require_or_404(user, "see_caseload")
    episodes = queries_missing.visible_episodes(user)
    since = timezone.now() - timedelta(days=365)
    figure = services.interview_figure(MissingEpisode.objects.visible_to(user).filter(returned_at__gte=since))
    page = lookups.open_page_of(
        user, episodes, request.GET.get("page"), per_page=EPISODES_PER_PAGE, what="missing episodes"
    )
    return render(
        request,
        "interventions/missing_episode_list.html",
        {"page": page, "figure": figure, "months": FIGURE_MONTHS},
    )
