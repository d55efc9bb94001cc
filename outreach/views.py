"""Outreach and group work pages.

Outreach pages (events, establishments, door-to-door) are for outreach officers and managers of the
agency that owns the records; group work pages for the caseworkers, voluntary-sector workers and
managers of the agency that runs the group. Everyone else gets 404, as if the page did not exist.
A register names only the young people the viewer may see.
"""

from datetime import date, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups, policy
from areas.models import Neighbourhood
from cases.models import Child, ContextLink
from interventions.models import IntelligenceReport
from outreach import reports, services
from outreach.forms import (
    CampaignForm,
    DeliveredForm,
    EngagementForm,
    EstablishmentForm,
    EventForm,
    GroupForm,
    ReachForm,
    SessionForm,
    this_year,
)
from outreach.models import (
    Attendance,
    DoorToDoorCampaign,
    EngagementOutcome,
    EngagementRecord,
    Establishment,
    EventStatus,
    Group,
    GroupSession,
    OutreachEvent,
)
from safeguarding.exports import csv_response, safe_cell
from safeguarding.forms import add_service_errors

PER_PAGE = 25
HOME_ROWS = 10


def _only(action: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            lookups.require_or_404(request.user, action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


outreach_only = _only("view_outreach")
group_work_only = _only("run_group_work")
reach_only = _only("view_reach")


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _saved(request: HttpRequest, form, write, message: str):
    """Call the service `write`; on a ValidationError show it on the form and return None."""
    try:
        record = write()
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, message)
    return record


# Outreach officer's home ------------------------------------------------------------------------


@outreach_only
def home(request: HttpRequest) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    upcoming = list(
        OutreachEvent.objects.visible_to(user)
        .filter(status=EventStatus.PLANNED, held_on__gte=today)
        .select_related("area")
        .order_by("held_on", "id")[:HOME_ROWS]
    )
    follow_up = list(
        Establishment.objects.visible_to(user)
        .with_latest_engagement()
        .filter(follow_up_on__isnull=False, follow_up_on__lte=today + timedelta(days=28))
        .select_related("area")
        .order_by("follow_up_on", "name")[:HOME_ROWS]
    )
    overdue = list(
        OutreachEvent.objects.visible_to(user)
        .filter(status=EventStatus.PLANNED, held_on__lt=today)
        .select_related("area")
        .order_by("held_on", "id")[:HOME_ROWS]
    )
    # The plan: establishments not yet engaged, by area.
    not_engaged = list(
        Establishment.objects.visible_to(user)
        .not_yet_engaged()
        .values("area_id", "area__name")
        .annotate(count=Count("id"))
        .order_by("area__name")
    )
    so_far = reports.reach(user, **this_year(today))
    return render(
        request,
        "outreach/home.html",
        {
            "upcoming": upcoming,
            "follow_up": follow_up,
            "overdue": overdue,
            "not_engaged": not_engaged,
            "reach": so_far,
            "today": today,
        },
    )


# Events -----------------------------------------------------------------------------------------


@outreach_only
def event_list(request: HttpRequest) -> HttpResponse:
    events = OutreachEvent.objects.visible_to(request.user).select_related("area")
    areas = list(Neighbourhood.objects.active())
    area = next((a for a in areas if str(a.pk) == request.GET.get("area", "")), None)
    status = request.GET.get("status", "")
    if area is not None:
        events = events.filter(area=area)
    if status in EventStatus.values:
        events = events.filter(status=status)
    else:
        status = ""
    query = urlencode({key: value for key, value in (("area", area.pk if area else ""), ("status", status)) if value})
    page = lookups.page_of(request.user, events, request.GET.get("page"), per_page=PER_PAGE, what="outreach events")
    return render(
        request,
        "outreach/event_list.html",
        {"page": page, "areas": areas, "area": area, "status": status, "statuses": EventStatus.choices, "query": query},
    )


@outreach_only
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"delivered_by": user.get_full_name(), "status": EventStatus.DELIVERED}
    establishment = request.GET.get("establishment", "")
    if establishment.isdigit():
        initial["establishment"] = int(establishment)
    form = EventForm(_posted(request), user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        event = _saved(request, form, lambda: services.record_event(user, **data), "Event recorded")
        if event is not None:
            return redirect("outreach:event_detail", pk=event.pk)
    return render(request, "outreach/event_form.html", {"form": form})


def _event(request: HttpRequest, pk: int) -> OutreachEvent:
    events = OutreachEvent.objects.visible_to(request.user).select_related("area", "establishment", "recorded_by")
    return lookups.get_or_404(request.user, events, pk)


@outreach_only
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    event = _event(request, pk)
    lookups.note_read(user, event)
    # The police intelligence record: named and linked for police officers only.
    intelligence = None
    if event.intelligence_id and policy.is_police(user):
        intelligence = IntelligenceReport.objects.visible_to(user).filter(pk=event.intelligence_id).first()
    can_deliver = event.status == EventStatus.PLANNED and event.held_on <= timezone.localdate()
    return render(
        request,
        "outreach/event_detail.html",
        {
            "event": event,
            "intelligence": intelligence,
            "form": DeliveredForm(initial={"headcount": event.headcount}) if can_deliver else None,
        },
    )


@outreach_only
@require_POST
def event_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    event = _event(request, pk)
    form = DeliveredForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = _saved(
            request,
            form,
            lambda: services.mark_delivered(
                user,
                event,
                headcount=data["headcount"],
                referrals_made=data["referrals_made"] or 0,
                intelligence_submitted=data["intelligence_submitted"],
            ),
            "Event recorded as delivered",
        )
        if done is not None:
            return redirect("outreach:event_detail", pk=event.pk)
    return render(request, "outreach/event_detail.html", {"event": event, "form": form}, status=400)


# Establishments ---------------------------------------------------------------------------------


@outreach_only
def establishment_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    establishments = Establishment.objects.visible_to(user).with_latest_engagement().select_related("area")
    areas = list(Neighbourhood.objects.active())
    area = next((a for a in areas if str(a.pk) == request.GET.get("area", "")), None)
    not_engaged = request.GET.get("not_engaged") == "1"
    if area is not None:
        establishments = establishments.filter(area=area)
    if not_engaged:
        establishments = establishments.not_yet_engaged()
    query = urlencode(
        {
            key: value
            for key, value in (("area", area.pk if area else ""), ("not_engaged", "1" if not_engaged else ""))
            if value
        }
    )
    page = lookups.page_of(user, establishments, request.GET.get("page"), per_page=PER_PAGE, what="establishments")
    for place in page:
        place.latest_label = EngagementOutcome(place.latest_outcome).label if place.latest_outcome else ""
    return render(
        request,
        "outreach/establishment_list.html",
        {"page": page, "areas": areas, "area": area, "not_engaged": not_engaged, "query": query},
    )


@outreach_only
@require_http_methods(["GET", "POST"])
def establishment_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = EstablishmentForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        place = _saved(request, form, lambda: services.add_establishment(user, **data), "Establishment added")
        if place is not None:
            return redirect("outreach:establishment_detail", pk=place.pk)
    return render(request, "outreach/establishment_form.html", {"form": form})


def _establishment(request: HttpRequest, pk: int) -> Establishment:
    places = Establishment.objects.visible_to(request.user).select_related("area")
    return lookups.get_or_404(request.user, places, pk)


@outreach_only
def establishment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = _establishment(request, pk)
    lookups.note_read(request.user, place)
    history = list(EngagementRecord.objects.filter(establishment=place).select_related("recorded_by"))
    events = list(OutreachEvent.objects.visible_to(request.user).filter(establishment=place).select_related("area"))
    return render(request, "outreach/establishment_detail.html", {"place": place, "history": history, "events": events})


@outreach_only
@require_http_methods(["GET", "POST"])
def engagement_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    place = _establishment(request, pk)
    form = EngagementForm(_posted(request), initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done = _saved(request, form, lambda: services.record_engagement(user, place, **data), "Engagement recorded")
        if done is not None:
            return redirect("outreach:establishment_detail", pk=place.pk)
    return render(request, "outreach/engagement_form.html", {"form": form, "place": place})


# Door-to-door -----------------------------------------------------------------------------------


@outreach_only
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = DoorToDoorCampaign.objects.visible_to(request.user).select_related("area")
    page = lookups.page_of(request.user, campaigns, request.GET.get("page"), per_page=PER_PAGE, what="door-to-door")
    return render(request, "outreach/campaign_list.html", {"page": page})


@outreach_only
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CampaignForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done = _saved(request, form, lambda: services.record_campaign(user, **data), "Door-to-door campaign recorded")
        if done is not None:
            return redirect("outreach:campaign_list")
    return render(request, "outreach/campaign_form.html", {"form": form})


# Group work -------------------------------------------------------------------------------------


@group_work_only
def group_list(request: HttpRequest) -> HttpResponse:
    groups = (
        Group.objects.visible_to(request.user)
        .select_related("area", "agency")
        .annotate(session_count=Count("sessions"))
        .order_by("name", "id")
    )
    page = lookups.page_of(request.user, groups, request.GET.get("page"), per_page=PER_PAGE, what="groups")
    return render(request, "outreach/group_list.html", {"page": page})


@group_work_only
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = GroupForm(_posted(request), user=user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        group = _saved(request, form, lambda: services.create_group(user, **data), "Group work set up")
        if group is not None:
            return redirect("outreach:group_detail", pk=group.pk)
    return render(request, "outreach/group_form.html", {"form": form})


def _group(request: HttpRequest, pk: int) -> Group:
    groups = Group.objects.visible_to(request.user).select_related("area", "agency", "context")
    return lookups.get_or_404(request.user, groups, pk)


@group_work_only
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    group = _group(request, pk)
    sessions = list(group.sessions.annotate(present=Count("attendances")).order_by("-held_on", "-id"))
    # Contact hours per young person: only the young people this worker may see.
    per_child = list(
        Attendance.objects.visible_to(user)
        .filter(session__group=group)
        .values("child_id", "child__given_name", "child__family_name", "child__reference")
        .annotate(sessions=Count("id"), minutes=Sum("session__duration_minutes"))
        .order_by("child__family_name", "child__given_name", "child_id")
    )
    for row in per_child:
        row["hours"] = round(row["minutes"] / 60, 1)
    lookups.note_read(user, group, shown=[row["child_id"] for row in per_child])
    return render(request, "outreach/group_detail.html", {"group": group, "sessions": sessions, "per_child": per_child})


def _members(user, group: Group):
    """The group's young people (current links to its context) whom this worker may see."""
    linked = ContextLink.objects.current().filter(context_id=group.context_id).values("child_id")
    return (
        Child.objects.visible_to(user)
        .filter(pk__in=linked)
        .only("pk", "given_name", "family_name", "reference")
        .order_by("family_name", "given_name", "pk")
    )


@group_work_only
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    group = _group(request, pk)
    members = _members(user, group)
    form = SessionForm(_posted(request), members=members, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        session = _saved(
            request,
            form,
            lambda: services.record_session(user, group, **data),
            "Session and register recorded",
        )
        if session is not None:
            return redirect("outreach:session_detail", pk=session.pk)
    return render(request, "outreach/session_form.html", {"form": form, "group": group})


@group_work_only
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sessions = GroupSession.objects.visible_to(user).select_related("group", "group__area", "recorded_by")
    session = lookups.get_or_404(user, sessions, pk)
    register = list(
        Attendance.objects.visible_to(user)
        .filter(session=session)
        .select_related("child")
        .order_by("child__family_name", "child__given_name")
    )
    total = session.attendances.count()
    lookups.note_read(user, session, shown=[row.child_id for row in register])
    return render(
        request,
        "outreach/session_detail.html",
        {"session": session, "register": register, "hidden": total - len(register), "total": total},
    )


# Reach ------------------------------------------------------------------------------------------


def _reach_form(request: HttpRequest) -> ReachForm:
    """The period and area asked for; this year so far, all areas, when nothing was asked."""
    if any(key.startswith(("start", "end", "area")) for key in request.GET):
        return ReachForm(request.GET)
    period = this_year()
    return ReachForm(
        {
            f"{name}_{part}": getattr(period[name], part)
            for name in ("start", "end")
            for part in ("day", "month", "year")
        }
    )


@reach_only
def reach_report(request: HttpRequest) -> HttpResponse:
    form = _reach_form(request)
    found = None
    if form.is_valid():
        data = form.cleaned_data
        found = reports.reach(request.user, data["start"], data["end"], data["area"])
    query = request.GET.urlencode()
    return render(request, "outreach/reach.html", {"form": form, "reach": found, "query": query})


@reach_only
def reach_export(request: HttpRequest) -> HttpResponse:
    form = _reach_form(request)
    if not form.is_valid():
        return render(request, "outreach/reach.html", {"form": form, "reach": None}, status=400)
    data = form.cleaned_data
    found = reports.reach(request.user, data["start"], data["end"], data["area"])
    lookups.exported(request.user, OutreachEvent, found.event_ids, what="reach report")
    response, writer = csv_response(f"reach-{_iso(data['start'])}-{_iso(data['end'])}.csv")
    for row in found.csv_rows():
        writer.writerow([safe_cell(cell) for cell in row])
    return response


def _iso(value: date) -> str:
    return value.isoformat()
