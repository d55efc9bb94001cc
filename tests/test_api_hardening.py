"""The API's rules against mass assignment and oversized answers (issue 19, point 3): every
serializer names its fields, protected fields in a body are refused with a 400 naming them, pages
have a fixed size, and the schema is for signed-in users only."""

import pytest
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from cases.models import Child, ChronologyEvent
from safeguarding.api import LEAVE_OUT, PROTECTED_FIELD
from safeguarding.urls import router
from tests.factories import InvolvementFactory
from tests.test_form_messages import SERIALIZERS

V1 = "/api/v1"

# Protected-looking fields a request body may name, each a choice the request is for and checked by
# its service; any other in a body is refused (LEAVE_OUT).
ACCEPTED_PROTECTED_FIELDS = {
    "agency": "a mentoring referral's mentoring network, the agency it is referred to",
    "tier": "the tier a nomination proposes, or a tier decision decides (cohorts.services.decisions checks who may)",
    "conducted_by": "the name of whoever held a return interview (free text: they may not be a user)",
    "delivered_by": "the name of whoever delivered an outreach event (free text: they may not be a user)",
    "source_agency": "record on behalf of one of your own agencies (services check the membership)",
    "owner_agency": "a plan response's owning agency, one working with the context",
    "owner": "a plan response's owner, someone in the owning agency (ColleagueField)",
    "referrer_agency": "the agency making a referral, one of the user's own",
    "lead_agency": "a panel case's lead agency, chosen by the panel",
    "chair_agency": "a panel meeting's chairing agency",
}


def test_every_model_serializer_names_its_fields():
    model_serializers = [cls for cls in SERIALIZERS if issubclass(cls, serializers.ModelSerializer)]
    assert len(model_serializers) > 20
    for cls in model_serializers:
        meta = cls.Meta
        assert isinstance(getattr(meta, "fields", None), list | tuple), f"{cls.__name__}: fields must be a list"
        assert not hasattr(meta, "exclude"), f"{cls.__name__}: name the fields rather than excluding some"


def test_no_request_body_accepts_a_protected_field_without_a_reason():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    accepted = set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                reference = content["schema"].get("$ref", "")
                properties = components.get(reference.rsplit("/", 1)[-1], {}).get("properties", {})
                accepted |= {
                    name
                    for name, spec in properties.items()
                    if PROTECTED_FIELD.fullmatch(name) and not spec.get("readOnly")
                }
    assert accepted, "the rule matches nothing: check PROTECTED_FIELD"
    assert accepted <= set(ACCEPTED_PROTECTED_FIELDS), accepted - set(ACCEPTED_PROTECTED_FIELDS)


@pytest.mark.django_db
def test_protected_fields_in_a_body_are_refused_with_400_naming_them(client_for, partnership):
    client = client_for("caseworker")
    child = partnership.council_child
    protected = {"agency": partnership.agencies["police"].pk, "tier": "high", "score": 99, "created_by": 1}
    response = client.patch(
        f"{V1}/children/{child.pk}/",
        {"ethnicity": "white_irish", **protected},
        "application/json",
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 400
    assert response.json() == {name: [LEAVE_OUT] for name in sorted(protected)}
    child.refresh_from_db()
    assert (child.version, child.ethnicity) == (1, "white_british")

    body = {"occurred_on": "2026-01-05", "kind": "contact", "summary": "Seen at school", "recorded_by": 1}
    response = client.post(f"{V1}/children/{child.pk}/chronology/", body, "application/json")
    assert response.status_code == 400 and response.json() == {"recorded_by": [LEAVE_OUT]}
    assert not ChronologyEvent.objects.filter(summary="Seen at school").exists()
    # Without it, the same entry is recorded by the signed-in user.
    del body["recorded_by"]
    assert client.post(f"{V1}/children/{child.pk}/chronology/", body, "application/json").status_code == 201
    assert ChronologyEvent.objects.get(summary="Seen at school").recorded_by == partnership.users["caseworker"]


def test_every_list_has_a_fixed_page_size_no_query_can_change():
    for _prefix, viewset, _basename in router.registry:
        paginator = viewset.pagination_class
        if paginator is None:
            continue
        assert paginator.page_size is None or paginator.page_size <= 50, viewset
        assert getattr(paginator, "page_size_query_param", None) is None, viewset
        assert getattr(paginator, "max_page_size", None) is None, viewset


@pytest.mark.django_db
def test_a_page_size_in_the_query_is_ignored(client_for, partnership):
    council = partnership.agencies["council"]
    InvolvementFactory.create_batch(55, agency=council)
    client = client_for("caseworker")
    for query in ("page_size=1000", "limit=1000", "per_page=1000", "size=1000"):
        body = client.get(f"{V1}/children/?{query}").json()
        assert len(body["results"]) == 50 and body["next"], query
    assert Child.objects.visible_to(partnership.users["caseworker"]).count() == 57


@pytest.mark.django_db
def test_the_schema_is_for_signed_in_users_only_and_there_is_no_public_docs_page(client, client_for, partnership):
    assert client.get("/api/schema/").status_code == 403
    assert client_for("caseworker").get("/api/schema/").status_code == 200
    routes = {str(pattern.pattern) for pattern in get_resolver().url_patterns}
    assert not {route for route in routes if "docs" in route or "swagger" in route or "redoc" in route}
