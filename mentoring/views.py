"""Pages for community mentoring: the coordinator's (vetting, the waiting list, matching, drift,
reports), the referring worker's referral form, and the mentor's own (their young people, logging a
session, raising a concern), built for a phone-sized screen. Records come through the access
layer's audited lookups; a page a role has no part in answers 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access import lookups
from cases.models import Child
from mentoring import forms, queries, services
from mentoring.models import (
    Match,
    Mentor,
    MentoringReferral,
    MentoringSession,
    MentorStatus,
    MentorStep,
    ReferralStatus,
    coordinated_agencies,
)
from safeguarding.exports import csv_response
from safeguarding.forms import add_service_errors

COORDINATE = "coordinate_mentoring"
MENTORS_PER_PAGE = 50
REPORT_DAYS = 365


def _coordinator(request: HttpRequest) -> Any:
    lookups.require_or_404(request.user, COORDINATE)
    return request.user


def _children_shown(user: Any, rows: list[Any], *, what: str) -> None:
    """The young people a mentoring list named, so the DPO's "who has seen this child" has them."""
    children = sorted({row.child_id for row in rows})
    if children:
        lookups.shown(user, Child, children, what=what)


def _mentor_or_404(user: Any, pk: Any) -> Mentor:
    return lookups.read_or_404(
        user,
        Mentor.objects.visible_to(user).filter(agency_id__in=coordinated_agencies(user)),
        pk,
    )


def _referral_or_404(user: Any, pk: Any) -> MentoringReferral:
    referrals = MentoringReferral.objects.visible_to(user).filter(agency_id__in=coordinated_agencies(user))
    return lookups.read_or_404(user, referrals.select_related("child", "referred_by", "referrer_agency"), pk)


# The coordinator's home ---------------------------------------------------------------------------


@login_required
def coordinator_home(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    drifting = list(queries.matches_without_recent_session(user)[:50])
    waiting = list(queries.waiting_too_long(user)[:50])
    expiring = list(queries.checks_expiring(user)[:50])
    access_ending = list(queries.access_ending(user)[:50])
    lookups.shown(user, Match, drifting, what="mentoring: matches with no recent session")
    lookups.shown(user, MentoringReferral, waiting, what="mentoring: waiting over 28 days")
    lookups.shown(user, Match, access_ending, what="mentoring: access ending")
    _children_shown(user, [*drifting, *waiting, *access_ending], what="mentoring: drift")
    lookups.shown(user, Mentor, expiring, what="mentoring: checks expiring")
    counts = dict(
        Mentor.objects.visible_to(user).values_list("status").annotate(total=Count("id")).values_list("status", "total")
    )
    return render(
        request,
        "mentoring/coordinator_home.html",
        {
            "drifting": drifting,
            "waiting": waiting,
            "expiring": expiring,
            "access_ending": access_ending,
            "today": timezone.localdate(),
            "pipeline": [(status, label, counts.get(status, 0)) for status, label in MentorStatus.choices],
            "no_session_days": queries.NO_SESSION_DAYS,
            "waiting_days": queries.WAITING_DAYS,
            "expiry_days": queries.EXPIRY_WARNING_DAYS,
        },
    )


# Mentors and vetting ------------------------------------------------------------------------------


@login_required
def mentor_list(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    status = request.GET.get("status", "")
    page = lookups.page_of(
        user, queries.mentor_list(user, status), request.GET.get("page"), per_page=MENTORS_PER_PAGE, what="mentors"
    )
    counts = dict(
        Mentor.objects.visible_to(user).values_list("status").annotate(total=Count("id")).values_list("status", "total")
    )
    return render(
        request,
        "mentoring/mentor_list.html",
        {
            "page": page,
            "status": status if status in MentorStatus.values else "",
            "pipeline": [(value, label, counts.get(value, 0)) for value, label in MentorStatus.choices],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_create(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    form = forms.MentorCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mentor = services.create_mentor(user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{mentor.full_name} added as an applicant")
            return redirect("mentoring:mentor_detail", pk=mentor.pk)
    return render(request, "mentoring/form_page.html", {"form": form, "title": "Add an applicant", "button": "Add"})


@login_required
def mentor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    mentor = _mentor_or_404(user, pk)
    steps = list(MentorStep.objects.filter(mentor=mentor).select_related("moved_by"))
    matches = list(mentor.matches.select_related("child").order_by("-started_on", "-id"))
    lookups.shown(user, Match, matches, what="mentor's matches")
    _children_shown(user, matches, what="mentor's matches")
    references = list(mentor.references.all())
    training = list(mentor.training.select_related("module"))
    return render(
        request,
        "mentoring/mentor_detail.html",
        {
            "mentor": mentor,
            "steps": steps,
            "matches": matches,
            "references": references,
            "training": training,
            "supervision": list(mentor.supervision_notes.select_related("recorded_by")),
            "vetting_gaps": services.vetting_gaps(mentor),
            "training_gaps": services.training_gaps(mentor),
            "dbs_expires_on": mentor.dbs_expires_on(),
            "dbs_expired": mentor.dbs_expired(),
        },
    )


def _mentor_form(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    save: Callable[[Any, Mentor, dict[str, Any]], Any],
    *,
    title: str,
    done: str,
    form_kwargs: Callable[[Mentor], dict[str, Any]] | None = None,
    initial: Callable[[Mentor], dict[str, Any]] | None = None,
) -> HttpResponse:
    """A one-thing-per-page form about a mentor, saved by a service call."""
    user = _coordinator(request)
    mentor = _mentor_or_404(user, pk)
    extra = form_kwargs(mentor) if form_kwargs else {}
    if request.method == "POST":
        form = form_class(request.POST, **extra)
        if form.is_valid():
            try:
                save(user, mentor, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("mentoring:mentor_detail", pk=mentor.pk)
    else:
        form = form_class(initial=initial(mentor) if initial else None, **extra)
    return render(
        request,
        "mentoring/form_page.html",
        {
            "form": form,
            "title": title,
            "caption": mentor.full_name,
            "back": reverse("mentoring:mentor_detail", args=[mentor.pk]),
            "button": "Save",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_step(request: HttpRequest, pk: int) -> HttpResponse:
    return _mentor_form(
        request,
        pk,
        forms.StepForm,
        lambda user, mentor, data: services.move_mentor(user, mentor, **data),
        title="Move to the next step",
        done="Step recorded",
        form_kwargs=lambda mentor: {"mentor": mentor},
        initial=lambda _mentor: {"moved_on": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_dbs(request: HttpRequest, pk: int) -> HttpResponse:
    return _mentor_form(
        request,
        pk,
        forms.DbsForm,
        lambda user, mentor, data: services.record_dbs_check(user, mentor, **data),
        title="Record the DBS check",
        done="DBS check recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_reference(request: HttpRequest, pk: int) -> HttpResponse:
    return _mentor_form(
        request,
        pk,
        forms.ReferenceForm,
        lambda user, mentor, data: services.add_reference(
            user, mentor, **{**data, "satisfactory": data["satisfactory"] == "yes"}
        ),
        title="Record a reference",
        done="Reference recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_interview(request: HttpRequest, pk: int) -> HttpResponse:
    return _mentor_form(
        request,
        pk,
        forms.InterviewForm,
        lambda user, mentor, data: services.record_interview(user, mentor, **data),
        title="Record the interview",
        done="Interview recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_training(request: HttpRequest, pk: int) -> HttpResponse:
    return _mentor_form(
        request,
        pk,
        forms.TrainingForm,
        lambda user, mentor, data: services.complete_training(user, mentor, **data),
        title="Record a completed training module",
        done="Training recorded",
        form_kwargs=lambda mentor: {"mentor": mentor},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_supervision(request: HttpRequest, pk: int) -> HttpResponse:
    return _mentor_form(
        request,
        pk,
        forms.SupervisionForm,
        lambda user, mentor, data: services.add_supervision_note(user, mentor, **data),
        title="Record a supervision",
        done="Supervision note saved",
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_profile(request: HttpRequest, pk: int) -> HttpResponse:
    return _mentor_form(
        request,
        pk,
        forms.MentorProfileForm,
        lambda user, mentor, data: services.update_mentor_profile(user, mentor, **data),
        title="Change their profile for matching",
        done="Profile saved",
        initial=lambda mentor: {name: getattr(mentor, name) for name in services.PROFILE_FIELDS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _mentor_form(
        request,
        pk,
        forms.SignInForm,
        lambda user, mentor, data: services.link_sign_in(user, mentor, data["user"]),
        title="Link their mentor sign-in",
        done="Sign-in linked",
        form_kwargs=lambda mentor: {"mentor": mentor},
    )


# Referrals and the waiting list -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, child_pk: int) -> HttpResponse:
    """A worker who can see a young person refers them to mentoring."""
    user = request.user
    child = lookups.get_or_404(user, Child, child_pk)
    lookups.require_or_404(user, "refer_to_mentoring", child)
    form = forms.ReferralForm(
        request.POST or None, initial={"area": child.neighbourhood.name if child.neighbourhood else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.refer(user, child, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Referred to community mentoring")
            return redirect("cases:child_detail", pk=child.pk)
    elif request.method == "GET":
        lookups.note_read(user, child)
    return render(
        request,
        "mentoring/form_page.html",
        {
            "form": form,
            "title": "Refer to community mentoring",
            "caption": f"{child.given_name} {child.family_name} ({child.reference})",
            "back": reverse("cases:child_detail", args=[child.pk]),
            "button": "Send the referral",
        },
    )


@login_required
def waiting_list(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    referrals = list(queries.waiting_list(user))
    lookups.shown(user, MentoringReferral, referrals, what="mentoring waiting list")
    _children_shown(user, referrals, what="mentoring waiting list")
    today = timezone.localdate()
    return render(
        request,
        "mentoring/waiting_list.html",
        {
            "waiting": [r for r in referrals if r.status == ReferralStatus.WAITING],
            "preparing": [r for r in referrals if r.status == ReferralStatus.PREPARATION],
            "today": today,
            "waiting_days": queries.WAITING_DAYS,
        },
    )


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    referral = _referral_or_404(user, pk)
    matches = list(referral.matches.select_related("mentor").order_by("-started_on"))
    return render(
        request,
        "mentoring/referral_detail.html",
        {"referral": referral, "matches": matches, "today": timezone.localdate()},
    )


def _referral_form(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    save: Callable[[Any, MentoringReferral, dict[str, Any]], Any],
    *,
    title: str,
    done: str,
    initial: Callable[[MentoringReferral], dict[str, Any]],
) -> HttpResponse:
    user = _coordinator(request)
    referral = _referral_or_404(user, pk)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                save(user, referral, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("mentoring:referral_detail", pk=referral.pk)
    else:
        form = form_class(initial=initial(referral))
    return render(
        request,
        "mentoring/form_page.html",
        {
            "form": form,
            "title": title,
            "caption": f"{referral.child.given_name} {referral.child.family_name}",
            "back": reverse("mentoring:referral_detail", args=[referral.pk]),
            "button": "Save",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_preparation(request: HttpRequest, pk: int) -> HttpResponse:
    return _referral_form(
        request,
        pk,
        forms.PreparationForm,
        lambda user, referral, data: (
            services.close_referral(user, referral)
            if data["preparing"] == "closed"
            else services.set_preparation(user, referral, preparing=data["preparing"] == "preparation")
        ),
        title="Waiting list, preparation or closed",
        done="Saved",
        initial=lambda referral: {
            "preparing": "preparation" if referral.status == ReferralStatus.PREPARATION else "waiting"
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    return _referral_form(
        request,
        pk,
        forms.SharingForm,
        lambda user, referral, data: services.update_sharing(user, referral, **data),
        title="What the mentor will see",
        done="Saved what the mentor will see",
        initial=lambda referral: {"preferred_name": referral.preferred_name, "shared_note": referral.shared_note},
    )


# Matching -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def match_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """The mentors of the network ranked for this young person, each with the reasons it is listed
    (or why it cannot be matched), and the form to start a match."""
    user = _coordinator(request)
    referral = _referral_or_404(user, pk)
    candidates = services.rank_mentors(referral)
    eligible = Mentor.objects.filter(pk__in=[c.mentor.pk for c in candidates if c.eligible])
    form = forms.MatchForm(request.POST or None, mentors=eligible, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            match = services.start_match(user, referral, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, rename={"referral": "mentor"})
        else:
            messages.success(
                request, f"Matched with {match.mentor.full_name}. The mentor can now see this young person."
            )
            return redirect("mentoring:match_detail", pk=match.pk)
    return render(
        request,
        "mentoring/match_propose.html",
        {"referral": referral, "candidates": candidates, "form": form},
    )


def _match_or_404(user: Any, pk: Any) -> Match:
    matches = Match.objects.visible_to(user).filter(mentor__agency_id__in=coordinated_agencies(user))
    return lookups.read_or_404(user, matches.select_related("mentor", "child", "referral", "access_grant"), pk)


@login_required
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    match = _match_or_404(user, pk)
    sessions = list(match.sessions.all())
    grant = match.access_grant
    concerns = list(match.concerns.select_related("raised_by"))
    return render(
        request,
        "mentoring/match_detail.html",
        {"match": match, "sessions": sessions, "concerns": concerns, "grant": grant},
    )


@login_required
@require_http_methods(["GET", "POST"])
def match_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    match = _match_or_404(user, pk)
    if match.ended_on is not None:
        messages.info(request, "This match has already ended")
        return redirect("mentoring:match_detail", pk=match.pk)
    form = forms.EndMatchForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_match(user, match, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Match ended. The mentor can no longer see this young person.")
            return redirect("mentoring:match_detail", pk=match.pk)
    return render(
        request,
        "mentoring/form_page.html",
        {
            "form": form,
            "title": "End the match",
            "caption": f"{match.mentor.full_name} and {match.child.given_name} {match.child.family_name}",
            "back": reverse("mentoring:match_detail", args=[match.pk]),
            "button": "End the match",
            "warning": "The mentor's access to this young person ends at once.",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def match_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Another year of the mentor's access to the young person, for a match that goes on."""
    user = _coordinator(request)
    match = _match_or_404(user, pk)
    form = forms.ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.renew_match_access(user, match)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The mentor's access is renewed for another year")
            return redirect("mentoring:match_detail", pk=match.pk)
    return render(
        request,
        "mentoring/form_page.html",
        {
            "form": form,
            "title": "Renew the mentor's access",
            "caption": f"{match.mentor.full_name} and {match.child.given_name} {match.child.family_name}",
            "back": reverse("mentoring:match_detail", args=[match.pk]),
            "button": "Renew for a year",
            "warning": "The mentor keeps seeing this young person for another year, or until the match ends.",
        },
    )


# Reports ------------------------------------------------------------------------------------------


def _report_period(request: HttpRequest) -> tuple[forms.ReportForm, date, date]:
    today = timezone.localdate()
    start, end = today - timedelta(days=REPORT_DAYS - 1), today
    form = forms.ReportForm(request.GET or None, initial={"start": start, "end": end})
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    form, start, end = _report_period(request)
    figures = queries.report(user, start, end)
    query = urlencode(
        {"start_day": start.day, "start_month": start.month, "start_year": start.year}
        | {"end_day": end.day, "end_month": end.month, "end_year": end.year}
    )
    return render(request, "mentoring/report.html", {"form": form, "report": figures, "csv_query": query})


@login_required
def report_csv(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    _form, start, end = _report_period(request)
    figures = queries.report(user, start, end)
    # The figures are counts, but they are counted from records about young people: say so.
    lookups.exported(user, MentoringReferral, [], what=f"mentoring report {start.isoformat()} to {end.isoformat()}")
    response, writer = csv_response(f"mentoring-{start.isoformat()}-to-{end.isoformat()}.csv")
    writer.writerow(["Figure", "Value", "From", "To"])
    for label, value in figures.rows():
        writer.writerow([label, value, start.isoformat(), end.isoformat()])
    return response


# The mentor's own pages ---------------------------------------------------------------------------


def _mentee_or_404(user: Any, pk: Any) -> Match:
    """One of the mentor's own active matches (404 for any other, and once it has ended)."""
    lookups.require_or_404(user, "mentor_young_people")
    matches = (
        queries.mentor_matches(user)
        .select_related("child__lead_professional", "referral__referred_by")
        .prefetch_related(Prefetch("sessions", queryset=MentoringSession.objects.order_by("-held_on", "-id")))
    )
    match = lookups.get_or_404(user, matches, pk)
    lookups.note_read(user, match, shown=[match.child_id], basis="mentoring match")
    return match


def _mentee_view(match: Match) -> dict[str, Any]:
    """What a mentor may know about their young person: name, age, preferred name, the lead
    professional's contact and what the coordinator chose to share."""
    child = match.child
    today = timezone.localdate()
    born = child.date_of_birth
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    lead = services.lead_professional_for(child, match.referral)
    return {
        "match": match,
        "name": f"{child.given_name} {child.family_name}",
        "preferred_name": match.referral.preferred_name,
        "age": age,
        "lead": lead,
        "shared_note": match.referral.shared_note,
    }


@login_required
def mentor_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "mentor_young_people")
    matches = list(queries.mentor_matches(user).select_related("child__lead_professional", "referral__referred_by"))
    lookups.shown(user, Match, matches, what="mentor's young people")
    _children_shown(user, matches, what="mentor's young people")
    sessions = list(
        MentoringSession.objects.visible_to(user)
        .filter(match__mentor__user_id=user.pk)
        .select_related("match__child")
        .order_by("-held_on", "-id")[:20]
    )
    return render(
        request,
        "mentoring/mentor_home.html",
        {"mentees": [_mentee_view(match) for match in matches], "sessions": sessions},
    )


@login_required
def mentee(request: HttpRequest, pk: int) -> HttpResponse:
    match = _mentee_or_404(request.user, pk)
    view = _mentee_view(match)
    return render(request, "mentoring/mentee.html", {**view, "mentee": view, "sessions": list(match.sessions.all())})


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    match = _mentee_or_404(request.user, pk)
    form = forms.SessionForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["attended"] = data["attended"] == "yes"
        try:
            services.log_session(request.user, match, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Session logged")
            return redirect("mentoring:mentee", pk=match.pk)
    return render(
        request,
        "mentoring/form_page.html",
        {
            "form": form,
            "title": "Log a session",
            "caption": match.referral.preferred_name or match.child.given_name,
            "back": reverse("mentoring:mentee", args=[match.pk]),
            "button": "Save the session",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_create(request: HttpRequest, pk: int) -> HttpResponse:
    match = _mentee_or_404(request.user, pk)
    form = forms.ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            concern = services.raise_concern(request.user, match, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            lead = concern.told
            who = (lead.get_full_name() or lead.get_username()) if lead else "the lead professional"
            messages.success(request, f"Concern sent to {who}")
            return redirect("mentoring:mentee", pk=match.pk)
    return render(
        request,
        "mentoring/concern_form.html",
        {"form": form, "match": match, "name": match.referral.preferred_name or match.child.given_name},
    )
