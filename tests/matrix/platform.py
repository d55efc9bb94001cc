"""Platform routes: home, sign-in, the child record basics, audit and admin (the API is in api.py)."""

from access.models import BreakGlassGrant
from interventions.models import InterventionType, Panel
from tests.matrix import (
    ANONYMOUS,
    BREAK_GLASS,
    CASELOAD,
    PERSONAS,
    Expect,
    council_child_pk,
    council_child_reference,
    expect,
    own,
)


def admin_panel(p):
    panel, _created = Panel.objects.get_or_create(
        name="Test admin panel", defaults={"chair_agency": p.agencies["youth_justice"]}
    )
    return panel


def grant_pk(p):
    grant = BreakGlassGrant.objects.create(
        user=p.users["police"], child=p.unlinked_child, reason="Test emergency", expires_at="2099-01-01T00:00Z"
    )
    return {"pk": grant.pk}


ROUTES: dict[str, Expect] = {
    # The outreach officer, who holds no caseload, is taken to the outreach page; the mentor to
    # their mentoring page.
    "home": Expect({**{persona: 200 for persona in PERSONAS}, "outreach": 302, "mentor": 302, ANONYMOUS: 302}, 404),
    "healthz": Expect({}, 200),
    "accounts:login": Expect({ANONYMOUS: 200}, 302),
    # The code step is for someone who has just given a correct password; anyone else starts at sign-in.
    "accounts:two_factor": Expect({}, 302),
    # Backup codes are shown once, straight after setting up two-factor sign-in; otherwise home.
    "accounts:backup_codes": Expect({}, 302),
    "accounts:logout": Expect({}, 302, method="post"),
    # Each signed-in user's own choice of alert emails.
    "accounts:alert_emails": Expect({ANONYMOUS: 302}, 200),
    # Each signed-in user's own sessions; ending one needs the password again (a bare POST is refused).
    "accounts:sessions": Expect({ANONYMOUS: 302}, 200),
    # Each signed-in user's own password.
    "accounts:change_password": Expect({ANONYMOUS: 302}, 200),
    # A forgotten password: for people not signed in; anyone signed in is sent to change theirs. A link
    # that does not work (here, a made-up one) shows that it has expired.
    "accounts:forgotten_password": Expect({ANONYMOUS: 200}, 302),
    "accounts:reset_sent": Expect({ANONYMOUS: 200}, 302),
    "accounts:reset_link": Expect({ANONYMOUS: 200}, 302, kwargs=lambda p: {"uidb64": "MQ", "token": "made-up"}),
    "accounts:reset_password": Expect({ANONYMOUS: 200}, 302),
    "cases:child_search": expect(CASELOAD),
    "cases:children_export": expect(CASELOAD, shows=own("child")),
    "cases:child_detail": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cases:child_edit": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cases:child_export": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cases:break_glass": expect(BREAK_GLASS),
    "oversight:index": expect(("dpo",)),
    "oversight:child_trail": expect(("dpo",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "oversight:child_trail_export": expect(("dpo",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "oversight:user_trail": expect(("dpo",), kwargs=lambda p: {"pk": p.users["caseworker"].pk}),
    "oversight:user_trail_export": expect(("dpo",), kwargs=lambda p: {"pk": p.users["caseworker"].pk}),
    "oversight:break_glass_list": expect(("dpo",)),
    # An empty review is refused with the form's errors; nobody else learns the grant exists.
    "oversight:break_glass_review": expect(("dpo",), status=400, kwargs=grant_pk, method="post"),
    # The Django admin is for system administrators; everyone else signed in gets 404.
    "admin:index": expect(("admin",)),
    "admin:login": Expect({"mentor": 404}, 302),
    "admin:logout": expect(("admin",), status=302, method="post"),
    "admin:password_change": expect(("admin",)),
    "admin:password_change_done": expect(("admin",)),
    "admin:autocomplete": expect(("admin",), status=403),  # no model named in the query
    "admin:jsi18n": expect(("admin",)),
    "admin:view_on_site": expect(
        ("admin",), status=404, kwargs=lambda p: {"content_type_id": 1, "object_id": p.users["admin"].pk}
    ),
    "admin:app_list": expect(("admin",), kwargs=lambda p: {"app_label": "accounts"}),
}


# Admin pages per registered model. A newly registered model must be added here.
def neighbourhood():
    from tests.outreach_data import area

    return area()


def training_module():
    from mentoring.models import TrainingModule

    return TrainingModule.objects.get_or_create(name="Safeguarding basics")[0]


def base_population():
    from areas.models import BasePopulation

    return BasePopulation.objects.get_or_create(
        neighbourhood=neighbourhood(), age_band="14-15", gender="female", ethnicity="white_irish", count=40
    )[0]


def unmapped_value():
    from areas.models import UnmappedValue

    return UnmappedValue.objects.get_or_create(field="gender", value="Questioning", source="cases.Child")[0]


ADMIN_MODELS = {
    "accounts_agency": lambda p: p.agencies["police"].pk,
    "accounts_user": lambda p: p.users["caseworker"].pk,
    "accounts_membership": lambda p: p.users["caseworker"].memberships.get().pk,
    "interventions_interventiontype": lambda p: InterventionType.objects.order_by("pk").first().pk,
    "interventions_panel": lambda p: admin_panel(p).pk,
    "mentoring_trainingmodule": lambda p: training_module().pk,
    "areas_localauthority": lambda p: neighbourhood().local_authority_id,
    "areas_policearea": lambda p: neighbourhood().police_area_id,
    "areas_neighbourhood": lambda p: neighbourhood().pk,
    "areas_basepopulation": lambda p: base_population().pk,
    "areas_unmappedvalue": lambda p: unmapped_value().pk,
}
ADMIN_VIEWS = {"changelist": 200, "add": 200, "change": 200, "history": 200, "delete": 403}
NO_ADD = {"areas_unmappedvalue"}  # listed by the mapping, reviewed by the administrator, never added by hand
for model, object_id in ADMIN_MODELS.items():
    for view, status in ADMIN_VIEWS.items():
        status = 403 if view == "add" and model in NO_ADD else status
        needs_id = view in {"change", "history", "delete"}
        ROUTES[f"admin:{model}_{view}"] = expect(
            ("admin",), status=status, kwargs=(lambda p, f=object_id: {"object_id": f(p)}) if needs_id else None
        )
    app_label, model_name = model.split("_", 1)
    ROUTES[f"admin/{app_label}/{model_name}/<path:object_id>/"] = expect(
        ("admin",), status=302, path=lambda p, a=app_label, m=model_name, f=object_id: f"/admin/{a}/{m}/{f(p)}/"
    )
ROUTES["admin:auth_user_password_change"] = expect(("admin",), kwargs=lambda p: {"id": p.users["caseworker"].pk})
