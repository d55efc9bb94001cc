from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups, navigation, policy
from accounts.views import PREVIOUS_SIGN_IN
from cases import profile, queries, services
from cases.forms.children import (
    AliasForm,
    BreakGlassForm,
    ChildCreateForm,
    ChildForm,
    ChildSearchForm,
    ContextLinkForm,
    PeerLinkForm,
    identifier_taken_message,
)
from cases.models import Child, ChildAlias, ChildName, ContextKind, ContextLink, EventKind
from cases.names import normalise, phonetic
from cases.services import contexts as context_services
from cases.views.chronology import Chronology, build_chronology, chronology_endpoint
from safeguarding.exports import csv_response, safe_cell
from safeguarding.forms import add_service_errors, stale_edit_form

CHILD_EXPORT_FIELDS = (
    "reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "neighbourhood",
    "status",
)


def _export_value(child: Child, field: str):
    if field == "neighbourhood":
        return child.neighbourhood.name if child.neighbourhood else ""
    return getattr(child, f"get_{field}_display")() if field in ("gender", "ethnicity") else getattr(child, field)


def age_on(born: date, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


HOME_COLUMNS = (
    "reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "status",
    "looked_after",
    "lead_professional",
)
LEAD_SHOWN = 50


CHANGES_WINDOW = timedelta(days=7)


def _changes_since(request: HttpRequest) -> tuple[datetime, bool]:
    """Since the user's previous sign-in (kept in the session when they signed in), or the last
    seven days when there was none; and whether it is the sign-in."""
    previous = parse_datetime(request.session.get(PREVIOUS_SIGN_IN) or "")
    if previous is not None:
        return previous, True
    return timezone.now() - CHANGES_WINDOW, False


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A caseload: the young people the user is lead professional for, then the others their
    agencies work with (one page at a time, no total counted, in the order chosen), with tier and
    flags; what others recorded since they last signed in; their tasks
    due and overdue. A fixed number of queries whatever the caseload's size (tests/test_pages.py)."""
    user = request.user
    landing = navigation.landing_page(user)
    if landing is not None:
        return redirect(landing)
    memberships = user.memberships.active().select_related("agency")
    page = None
    mine: list[Child] = []
    changes: list = []
    since, since_sign_in = None, False
    can_view_cohort = policy.can(user, "view_cohort")
    sort = request.GET.get("sort", "")
    sort = sort if sort in queries.CASELOAD_SORTS else "name"
    if policy.can(user, "see_caseload"):

        def rows(children):
            if can_view_cohort:
                children = children.select_related("cohort_tier").only(*HOME_COLUMNS, "cohort_tier__tier")
            else:
                children = children.only(*HOME_COLUMNS)
            return profile.with_caseload_flags(user, children)

        mine = list(rows(queries.lead_caseload(user, sort))[: LEAD_SHOWN + 1])
        page = lookups.open_page(rows(queries.caseload(user, sort)), request.GET.get("page"), per_page=25)
        since, since_sign_in = _changes_since(request)
        changes = queries.changes_for_lead(user, since)
        # One audit event for everyone the page shows (both tables, the changes), however many.
        shown = [*mine[:LEAD_SHOWN], *page, *(event.child_id for event in changes)]
        lookups.shown(user, Child, shown, what="home caseload")
        today = timezone.localdate()
        for child in [*mine, *page]:
            child.age = age_on(child.date_of_birth, today)
    notifications = user.notifications.filter(read_at__isnull=True)[:10]
    return render(
        request,
        "cases/home.html",
        {
            "memberships": memberships,
            "page": page,
            "mine": mine[:LEAD_SHOWN],
            "changes": changes if page is not None else [],
            "since": since if page is not None else None,
            "since_sign_in": page is not None and since_sign_in,
            "more_mine": len(mine) > LEAD_SHOWN,
            "notifications": notifications,
            "can_add_child": policy.can(user, "add_child"),
            "can_view_cohort": can_view_cohort,
            "sort": sort,
            "sorted_by": queries.CASELOAD_SORTS[sort][0],
            "sorts": [(key, words) for key, (words, _order) in queries.CASELOAD_SORTS.items()],
            **(profile.home_sections(user) if page is not None else {}),
        },
    )


# Adding a child ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def child_create(request: HttpRequest) -> HttpResponse:
    """Add a young person. Before saving: an identifier already on another record is an error
    (naming the field only), and a possible duplicate the user can see must be confirmed."""
    user = request.user
    lookups.require_or_404(user, "add_child")
    duplicates = []
    if request.method == "POST":
        form = ChildCreateForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            for field in queries.identifier_taken(form.identifiers()):
                form.add_error(field, identifier_taken_message(field))
            if not form.errors:
                duplicates = queries.possible_duplicates(
                    user,
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    date_of_birth=data["date_of_birth"],
                )
                if duplicates:
                    lookups.shown(user, Child, duplicates, what="possible duplicates")
                if not duplicates or data["confirm_different"]:
                    fields = {key: value for key, value in data.items() if key != "confirm_different"}
                    try:
                        child = services.create_child(user, fields)
                    except ValidationError as error:
                        add_service_errors(form, error)
                    else:
                        messages.success(request, f"Record created: {child.reference}")
                        return redirect("cases:child_detail", pk=child.pk)
                elif request.POST.get("duplicates_shown"):
                    form.add_error(
                        "confirm_different",
                        "Confirm this is a different young person, or open one of the records listed",
                    )
    else:
        form = ChildCreateForm(user=user)
    return render(request, "cases/child_create.html", {"form": form, "duplicates": duplicates})


# The child's profile -----------------------------------------------------------------------------


def _chronology_url(child: Child) -> str:
    return reverse("cases:child_chronology", args=[child.pk])


def _events_for(child: Child):
    return lambda chronology_filter: queries.child_chronology(child, chronology_filter)


def _last_contact(child: Child, chronology: Chronology):
    """The latest contact, from the chronology's first page when it shows it (the same order, so
    the same event) or shows every event; otherwise one query."""
    if not chronology.filtered and not chronology.latest_url:
        contact = next((event for event in chronology.events if event.kind == EventKind.CONTACT), None)
        if contact is not None or not chronology.older_url:
            return contact
    return queries.last_contact(child)


@login_required
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A caseworker's main screen. At most a fixed number of queries whatever the size of the
    chronology or the number of links (tests/test_children_pages.py); one fewer each when the last
    contact is on the chronology's first page and when the child has no context links."""
    user = request.user
    child = queries.child_or_404(user, pk)
    can_edit = policy.can(user, "change_child", child)
    try:
        cohort_tier = child.cohort_tier  # joined by child_or_404(): no query of its own
    except ObjectDoesNotExist:
        cohort_tier = None
    child.age = age_on(child.date_of_birth)
    peers = queries.peers_of(user, child)
    links = list(queries.context_links_of(child))
    today = timezone.localdate()
    for link in links:
        link.is_current = link.until is None or link.until >= today
    chronology = build_chronology(
        request,
        _events_for(child),
        url=_chronology_url(child),
        can_add=can_edit,
    )
    involvements = list(queries.involvements_of(child))
    lead_professional, lead_agency = queries.lead_professional_of(child, involvements)
    context = {
        "child": child,
        "school": child.school,
        "lead_professional": lead_professional,
        "lead_agency": lead_agency,
        "last_contact": _last_contact(child, chronology),
        "can_view_cohort": policy.can(user, "view_cohort"),
        "cohort_tier": cohort_tier,
        "can_edit": can_edit,
        "can_add_family": can_edit and policy.can(user, "add_family"),
        "aliases": list(child.aliases.all()),
        "families": list(queries.families_of(child)),
        "involvements": involvements,
        "links": links,
        "peers": peers,
        "referrals": list(queries.referrals_about_child(child)),
        "plans": list(queries.plans_for_child(user, child)),
        # Other children share a context only through this child's own links: none, no query.
        "connections": queries.children_sharing_contexts(user, child).count() if links else 0,
        "chronology": chronology,
        **profile.sections(user, "child", child),
    }
    # One read event for the page, naming the other young people it showed (for the DPO's "who
    # has seen this child" answer): a fixed number of queries however many are shown.
    lookups.note_read(user, child, basis=child.access_basis, shown=[other.pk for _link, other in peers])
    return render(request, "cases/child_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def child_chronology(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (htmx): the filtered timeline, or older events; POST: quick add of an event."""
    child = queries.child_or_404(request.user, pk)
    if request.method == "GET" and request.htmx:
        lookups.note_read(request.user, child, basis=child.access_basis)
    return chronology_endpoint(
        request,
        child,
        events_for=_events_for(child),
        url=_chronology_url(child),
        page_url=reverse("cases:child_detail", args=[child.pk]),
        subject_name=f"{child.given_name} {child.family_name}",
        earliest=child.date_of_birth,
    )


@login_required
def child_connections(request: HttpRequest, pk: int) -> HttpResponse:
    """Other children (that the user may see) linked to the same contexts, grouped by context."""
    user = request.user
    child = queries.child_or_404(user, pk)
    own_links = {}
    for link in queries.context_links_of(child):
        own_links.setdefault(link.context_id, link)
    shared = list(
        queries.shared_links(user, child).order_by(
            "context__name", "context_id", "child__family_name", "child__given_name", "id"
        )
    )
    groups: list[dict] = []
    for link in shared:
        if not groups or groups[-1]["context"].pk != link.context_id:
            groups.append({"context": link.context, "own_link": own_links.get(link.context_id), "links": []})
        groups[-1]["links"].append(link)
    lookups.note_read(user, child, basis=child.access_basis)
    lookups.shown(user, Child, sorted({link.child_id for link in shared}), what="children sharing contexts")
    return render(
        request,
        "cases/child_connections.html",
        {"child": child, "groups": groups, "own_links": list(own_links.values())},
    )


# Changing the child's record ---------------------------------------------------------------------


def _changeable_child(request: HttpRequest, pk: int) -> Child:
    """The child if visible (Http404 otherwise); PermissionDenied (403) if the role cannot change it."""
    child = queries.child_or_404(request.user, pk)
    if not policy.can(request.user, "change_child", child):
        raise PermissionDenied
    return child


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    child = _changeable_child(request, pk)
    conflict = None
    if request.method == "POST":
        form = ChildForm(request.POST, user=user, child=child)
        if form.is_valid():
            for field in queries.identifier_taken(form.identifiers(), exclude_pk=child.pk):
                form.add_error(field, identifier_taken_message(field))
        if form.is_valid():
            changes = dict(form.cleaned_data)
            try:
                services.update_child(user, child, changes, expected_version=changes.pop("version"))
            except services.StaleVersion as stale:
                # Keep everything they typed; point the hidden version at the record now saved,
                # so a second, deliberate save goes through.
                conflict = Child.objects.select_related("school", "lead_professional").get(pk=stale.current.pk)
                form = stale_edit_form(ChildForm, request.POST, conflict.version, what="record", user=user, child=child)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Record updated")
                return redirect("cases:child_detail", pk=child.pk)
    else:
        lookups.note_read(user, child, basis=child.access_basis)
        initial = {field: getattr(child, field) for field in services.EDITABLE_CHILD_FIELDS}
        initial["school"] = child.school_id
        initial["lead_professional"] = child.lead_professional_id
        form = ChildForm(initial={**initial, "version": child.version}, user=user, child=child)
    return render(request, "cases/child_edit.html", {"child": child, "form": form, "conflict": conflict})


@login_required
@require_http_methods(["GET", "POST"])
def child_alias_add(request: HttpRequest, pk: int) -> HttpResponse:
    child = _changeable_child(request, pk)
    if request.method == "POST":
        form = AliasForm(request.POST)
        if form.is_valid():
            try:
                services.add_alias(request.user, child, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Other name added")
                return redirect(reverse("cases:child_detail", args=[child.pk]) + "#aliases")
    else:
        lookups.note_read(request.user, child, basis=child.access_basis)
        form = AliasForm()
    return render(request, "cases/child_alias_form.html", {"child": child, "form": form})


@login_required
@require_POST
def child_alias_delete(request: HttpRequest, pk: int, alias_pk: int) -> HttpResponse:
    child = _changeable_child(request, pk)
    alias = lookups.get_or_404(request.user, ChildAlias.objects.filter(child=child).select_related("child"), alias_pk)
    services.remove_alias(request.user, alias)
    messages.success(request, "Other name removed")
    return redirect(reverse("cases:child_detail", args=[child.pk]) + "#aliases")


@login_required
@require_http_methods(["GET", "POST"])
def child_context_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the child to a context the user may see (others are not offered and not accepted)."""
    user = request.user
    child = _changeable_child(request, pk)
    contexts = list(queries.visible_contexts(user).order_by("kind", "name", "id"))
    order = {kind: index for index, kind in enumerate(ContextKind.values)}
    contexts.sort(key=lambda context: (order.get(context.kind, 99), context.name.casefold(), context.pk))
    if request.method == "POST":
        form = ContextLinkForm(request.POST, contexts=contexts)
        if form.is_valid():
            data = dict(form.cleaned_data)
            context = data.pop("context")
            already = ContextLink.objects.current().filter(child=child, context=context, role=data["role"]).exists()
            if already:
                form.add_error("context", "The young person is already linked to this context in this role")
            else:
                try:
                    context_services.link_child(user, child, context, **data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, f"Linked to {context.name}")
                    return redirect(reverse("cases:child_detail", args=[child.pk]) + "#contexts")
    else:
        lookups.note_read(user, child, basis=child.access_basis)
        form = ContextLinkForm(contexts=contexts)
    return render(request, "cases/child_context_link_form.html", {"child": child, "form": form})


@login_required
@require_POST
def child_context_link_end(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    child = _changeable_child(request, pk)
    link = lookups.get_or_404(
        request.user, ContextLink.objects.filter(child=child).select_related("child", "context"), link_pk
    )
    today = timezone.localdate()
    if link.until is not None and link.until <= today:
        messages.info(request, f"The link to {link.context.name} had already ended")
    else:
        try:
            context_services.end_link(request.user, link)
        except ValidationError:
            messages.error(request, "This link starts in the future, so it cannot end today")
        else:
            messages.success(request, f"Link to {link.context.name} ended")
    return redirect(reverse("cases:child_detail", args=[child.pk]) + "#contexts")


@login_required
@require_http_methods(["GET", "POST"])
def child_peer_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Link another young person the user may see, chosen by their partnership reference."""
    user = request.user
    child = _changeable_child(request, pk)
    if request.method == "POST":
        form = PeerLinkForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            other = queries.visible_children(user).filter(reference__iexact=data.pop("reference")).first()
            if other is None:
                form.add_error("reference", "Enter the reference of a young person your agencies work with")
            elif other.pk == child.pk:
                form.add_error("reference", "Enter the reference of a different young person")
            else:
                try:
                    services.add_peer_link(user, child, other, **data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, f"Linked to {other.given_name} {other.family_name}")
                    return redirect(reverse("cases:child_detail", args=[child.pk]) + "#peers")
    else:
        lookups.note_read(user, child, basis=child.access_basis)
        form = PeerLinkForm()
    return render(request, "cases/child_peer_form.html", {"child": child, "form": form})


# Exports -----------------------------------------------------------------------------------------


@login_required
def child_export(request: HttpRequest, pk: int) -> HttpResponse:
    child = queries.child_or_404(request.user, pk)
    lookups.exported(request.user, Child, [child], what="child record")
    response, writer = csv_response(f"child-{child.reference}.csv")
    writer.writerow(["field", "value"])
    for field in CHILD_EXPORT_FIELDS:
        writer.writerow([field, safe_cell(_export_value(child, field))])
    for involvement in queries.involvements_of(child):
        writer.writerow(["involvement", safe_cell(f"{involvement.agency} from {involvement.started_on}")])
    return response


@login_required
def children_export(request: HttpRequest) -> HttpResponse:
    lookups.require_or_404(request.user, "see_caseload")
    children = list(
        queries.visible_children(request.user)
        .select_related("neighbourhood")
        .only(*CHILD_EXPORT_FIELDS, "neighbourhood__name")
    )
    lookups.exported(request.user, Child, children, what="caseload")
    response, writer = csv_response("caseload.csv")
    writer.writerow(CHILD_EXPORT_FIELDS)
    for child in children:
        writer.writerow([safe_cell(_export_value(child, field)) for field in CHILD_EXPORT_FIELDS])
    return response


# Search ------------------------------------------------------------------------------------------


def _token_matches(token: str, name: ChildName) -> bool:
    if token in name.normalised:
        return True
    key = phonetic(token)
    return bool(key) and len(token) >= 3 and f" {key} " in name.phonetic_keys


def mark_matched_aliases(children: list[Child], name: str) -> None:
    """Say which other name matched when the child's own name does not (one query)."""
    tokens = normalise(name).split()
    for child in children:
        child.matched_alias = ""
    if not tokens or not children:
        return
    names: dict[int, list[ChildName]] = {}
    for row in (
        ChildName.objects.filter(child__in=[child.pk for child in children])
        .select_related("alias")
        .order_by("alias_id", "id")
    ):
        names.setdefault(row.child_id, []).append(row)
    for child in children:
        rows = names.get(child.pk, [])
        own = [row for row in rows if row.alias_id is None]
        if own and all(_token_matches(token, own[0]) for token in tokens):
            continue
        aliases = [row for row in rows if row.alias_id is not None]
        best = next((row for row in aliases if all(_token_matches(t, row) for t in tokens)), None)
        best = best or next((row for row in aliases if any(_token_matches(t, row) for t in tokens)), None)
        if best is not None:
            child.matched_alias = best.alias.name


@login_required
@require_http_methods(["GET", "POST"])
def child_search(request: HttpRequest) -> HttpResponse:
    """Search terms travel in the POST body, never in the URL, so names stay out of logs."""
    lookups.require_or_404(request.user, "see_caseload")
    results = None
    form = ChildSearchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        search = queries.ChildSearch(
            name=form.cleaned_data["name"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            identifier=form.cleaned_data["identifier"],
        )
        results = queries.search_children(request.user, search)
        mark_matched_aliases(results, search.name)
    return render(
        request,
        "cases/child_search.html",
        {"form": form, "results": results, "can_add_child": policy.can(request.user, "add_child")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    lookups.require_or_404(request.user, "break_glass")
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        grant = services.break_glass(request.user, **form.cleaned_data)
        if grant is not None:
            messages.warning(request, "Emergency access granted. The data protection officer has been told.")
            return redirect("cases:child_detail", pk=grant.child_id)
        form.add_error(None, "No record matches that reference and date of birth")
    return render(request, "cases/break_glass.html", {"form": form})
