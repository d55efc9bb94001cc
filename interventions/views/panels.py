"""Panel pages: panels and their meetings, agenda, actions; overdue actions; the personal task list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups, policy
from accounts.models import Agency
from cases.models import Child
from interventions import queries_panels as queries
from interventions.forms.panels import (
    ActionForm,
    ActionStatusForm,
    AgendaItemForm,
    MeetingForm,
    PeriodForm,
    TaskCloseForm,
)
from interventions.models import Panel, PanelAction, PanelMeeting, Task
from interventions.services import panels as services
from interventions.services import tasks as task_services
from safeguarding.forms import add_service_errors


@login_required
def panel_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    panels = list(Panel.objects.select_related("chair_agency"))
    meetings = list(
        queries.meetings_visible_to(user)
        .select_related("panel", "chair")
        .annotate(item_count=Count("agenda", distinct=True))
        # Explicit: a model's Meta.ordering is not applied to a query with an aggregate.
        .order_by("-held_on", "-id")[:20]
    )
    period = PeriodForm(request.GET or None)
    discussed = None
    oversees = policy.can(user, "oversee_panel_actions")
    if oversees and period.is_valid():
        discussed = queries.children_discussed(period.cleaned_data.get("start"), period.cleaned_data.get("end"))
    lookups.shown(user, PanelMeeting, meetings, what="panel meetings")
    return render(
        request,
        "interventions/panel_list.html",
        {
            "panels": panels,
            "meetings": meetings,
            "period": period,
            "discussed": discussed,
            "is_manager": oversees,
            "can_run": policy.can(user, "run_panel"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    panel = get_object_or_404(Panel, pk=pk)
    lookups.require_or_404(user, "run_panel", panel)
    form = MeetingForm(request.POST if request.method == "POST" else None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.create_meeting(
                user,
                panel,
                held_on=data["held_on"],
                agencies_present=list(data["agencies_present"]),
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Meeting recorded")
            return redirect("interventions:meeting_detail", pk=meeting.pk)
    return render(request, "interventions/panel_meeting_form.html", {"form": form, "panel": panel})


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = queries.meeting_or_404(user, pk)
    agenda = list(queries.visible_agenda(user, meeting))
    actions = list(queries.meeting_actions(user, meeting))
    today = timezone.localdate()
    for action in actions:
        action.is_overdue = action.status == "open" and action.due_on < today
        action.can_update = policy.can(user, "update_panel_action", action)
    agencies = list(meeting.agencies_present.order_by("name"))
    lookups.note_read(user, meeting, shown=[item.child_id for item in agenda if item.child_id])
    return render(
        request,
        "interventions/panel_meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": agenda,
            "actions": actions,
            "agencies": agencies,
            "can_run": policy.can(user, "run_panel", meeting),
        },
    )


def _runnable_meeting(request, pk):
    meeting = queries.meeting_or_404(request.user, pk)
    if not policy.can(request.user, "run_panel", meeting):
        raise PermissionDenied("Only a manager or caseworker can change a panel meeting.")
    return meeting


@login_required
@require_http_methods(["GET", "POST"])
def agenda_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = _runnable_meeting(request, pk)
    form = AgendaItemForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_agenda_item(
                user,
                meeting,
                child=data["child"],
                context=data.get("context"),
                discussion=data["discussion"],
                decision=data["decision"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "child" in error.error_dict:
                error = ValidationError({"child_reference": error.error_dict.pop("child"), **error.error_dict})
            add_service_errors(form, error)
        else:
            messages.success(request, "Added to the agenda")
            return redirect("interventions:meeting_detail", pk=meeting.pk)
    return render(request, "interventions/panel_agenda_form.html", {"form": form, "meeting": meeting})


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = _runnable_meeting(request, pk)
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        owners=services.present_users(meeting).order_by("first_name", "last_name", "username"),
        agencies=Agency.objects.filter(pk__in=meeting.agencies_present.values("pk")).order_by("name"),
        agenda=queries.visible_agenda(user, meeting),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assign_action(
                user,
                meeting,
                description=data["description"],
                owner=data["owner"],
                owner_agency=data["owner_agency"],
                due_on=data["due_on"],
                agenda_item=data.get("agenda_item"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Action assigned")
            return redirect("interventions:meeting_detail", pk=meeting.pk)
    return render(request, "interventions/panel_action_form.html", {"form": form, "meeting": meeting})


@login_required
@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    action = queries.action_or_404(user, pk)
    if not policy.can(user, "update_panel_action", action):
        raise PermissionDenied(services.UPDATE_ACTION_MESSAGE)
    form = ActionStatusForm(request.POST, current=action.status)
    if not form.is_valid():
        action = queries.with_subject(user, PanelAction.objects.filter(pk=action.pk)).get()
        return render(request, "interventions/panel_action_status.html", {"form": form, "action": action}, status=400)
    services.update_action_status(user, action, form.cleaned_data["status"])
    messages.success(request, "Action updated")
    target = request.POST.get("next")
    if target == "tasks":
        return redirect("interventions:task_list")
    if target == "overdue":
        return redirect("interventions:overdue_actions")
    if policy.can(user, "view_panel_meeting", action.meeting):
        return redirect("interventions:meeting_detail", pk=action.meeting_id)
    return redirect("interventions:task_list")


@login_required
def overdue_actions(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "oversee_panel_actions")
    actions = list(queries.overdue_actions_for_manager(user)[:200])
    lookups.shown(user, PanelAction, actions, what="overdue panel actions")
    return render(request, "interventions/panel_overdue.html", {"actions": actions})


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    now = timezone.now()
    actions = list(queries.my_open_actions(user).order_by("due_on", "id")[:200])
    for action in actions:
        action.is_overdue = action.due_on < today
    actions.sort(key=lambda action: (not action.is_overdue, action.due_on, action.pk))
    tasks = list(queries.my_open_tasks(user, now)[:200])
    for task in tasks:
        task.is_overdue = task.due_at < now
    lookups.shown(user, Task, tasks, what="my tasks")
    if any(task.child_visible for task in tasks):
        lookups.shown(user, Child, [task.child_id for task in tasks if task.child_visible], what="my tasks: children")
    return render(request, "interventions/task_list.html", {"actions": actions, "tasks": tasks})


def _task_page(request, task, form, status=200):
    task.is_overdue = task.status == "open" and task.due_at < timezone.now()
    lookups.note_read(request.user, task, shown=[task.child_id] if task.child_id and task.child_visible else [])
    return render(request, "interventions/task_detail.html", {"task": task, "form": form}, status=status)


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = queries.task_or_404(request.user, pk)
    return _task_page(request, task, TaskCloseForm(task=task))


@login_required
@require_POST
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    task = queries.task_or_404(user, pk)
    form = TaskCloseForm(request.POST, task=task)
    if form.is_valid():
        try:
            task_services.close_task(
                user, task, outcome=form.cleaned_data["outcome"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Task closed")
            return redirect("interventions:task_list")
    return _task_page(request, task, form, status=400)
