"""Every field of every form, and of every API serializer, speaks plain English: the tests walk each
class's fields, feed them empty, too long and impossible values, and fail on any stock message of
Django or Django REST framework."""

import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.fields import SkipField, empty

from safeguarding.api import PlainMessages, PlainModelSerializer, PlainSerializer
from safeguarding.forms import GovukForm

APPS = ("accounts", "access", "cases", "interventions", "cohorts", "feeds", "dashboards", "oversight", "safeguarding")
STOCK_PHRASES = (
    "This field is required",
    "Ensure this value",
    "Select a valid choice",
    "Enter a whole number",
    "Enter a valid",
    "Enter a list of values",
    "is not a valid value",
    "Enter a complete value",
)


def form_modules():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".forms" in info.name or info.name.endswith("forms"):
                importlib.import_module(info.name)


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def bad_values(field: forms.Field):
    yield ""
    if isinstance(field, forms.MultiValueField):
        yield ["", "2", ""]
        yield ["31", "2", "2026", "99:99"][: len(field.fields)]
    elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        yield ["not-a-choice"]
    else:
        yield "not-a-choice"
    if getattr(field, "max_length", None):
        yield "x" * (field.max_length + 1)


def messages_of(field: forms.Field) -> list[str]:
    found = []
    for value in bad_values(field):
        try:
            field.clean(value)
        except ValidationError as error:
            found += error.messages
    return found


form_modules()
FORMS = sorted({cls for cls in all_subclasses(GovukForm) if cls.__module__.split(".")[0] in APPS}, key=str)


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_field_message_is_plain_english(form_class):
    for name, field in form_class.base_fields.items():
        if isinstance(field.widget, forms.HiddenInput):
            continue  # never typed by a person (the version check has its own message)
        if isinstance(field, forms.ModelChoiceField) and field.queryset is None:
            continue  # its queryset (and so its choices) is set per user in the form's __init__
        for message in messages_of(field):
            assert not any(phrase in message for phrase in STOCK_PHRASES), f"{form_class.__name__}.{name}: {message}"


def test_the_kit_names_the_field_in_its_messages():
    class Example(GovukForm):
        police_reference = forms.CharField(label="Police reference (optional)", max_length=5)
        colour = forms.ChoiceField(label="Colour", choices=[("red", "Red")])

    form = Example({"police_reference": "x" * 6, "colour": "blue"})
    assert not form.is_valid()
    assert form.errors == {
        "police_reference": ["Police reference must be 5 characters or fewer"],
        "colour": ["Choose colour from the list"],
    }
    assert Example({}).errors["police_reference"] == ["Enter police reference"]


# The API's serializers ---------------------------------------------------------------------------

DRF_STOCK_PHRASES = (
    "This field",
    "Ensure this",
    "is not a valid choice",
    "A valid",
    "has wrong format",
    "Expected a",
    "Invalid pk",
    "does not exist",
    "Incorrect type",
    "Not a valid",
    "Must be a valid",
    "Enter a valid",
    "String value too large",
    "{",
)

API_APPS = (*APPS, "mentoring", "outreach")


def serializer_modules():
    for app in API_APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".api" in info.name or info.name.endswith(("api", "serializers")):
                importlib.import_module(info.name)


serializer_modules()
SERIALIZERS = sorted(
    {
        cls
        for cls in all_subclasses(serializers.Serializer)
        if cls.__module__.split(".")[0] in (*APPS, "mentoring", "outreach")
        and cls not in (PlainSerializer, PlainModelSerializer)
    },
    key=str,
)


def api_bad_values(field: serializers.Field):
    yield empty
    yield None
    yield ""
    yield "not-a-choice"
    yield {"not": "a value"}
    longest = getattr(field, "max_length", None)
    if isinstance(longest, int):
        yield "x" * (longest + 1)
        yield ["1"] * (longest + 1)
    largest = getattr(field, "max_value", None)
    if largest is not None:
        yield largest + 1


def api_messages_of(field: serializers.Field) -> list[str]:
    found = []
    for value in api_bad_values(field):
        try:
            field.run_validation(value)
        except serializers.ValidationError as error:
            found += [str(message) for message in _flatten(error.detail)]
        except (SkipField, KeyError, TypeError, ValueError, AttributeError, AssertionError):
            continue  # an optional field left out, or a value of a kind it never sees from a JSON body
    return found


def _flatten(detail):
    if isinstance(detail, dict):
        for value in detail.values():
            yield from _flatten(value)
    elif isinstance(detail, list):
        for value in detail:
            yield from _flatten(value)
    else:
        yield detail


def test_every_project_serializer_uses_the_plain_messages_kit():
    assert SERIALIZERS
    plain = [cls for cls in SERIALIZERS if issubclass(cls, PlainMessages)]
    assert plain == SERIALIZERS, f"not on safeguarding.api's PlainSerializer: {set(SERIALIZERS) - set(plain)}"


@pytest.mark.django_db
@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_api_field_message_is_plain_english(serializer_class, rf, partnership):
    request = rf.post("/")
    request.user = partnership.users["caseworker"]
    try:
        fields = serializer_class(context={"request": request}).fields
    except (KeyError, AttributeError, TypeError, AssertionError):
        pytest.fail(f"{serializer_class.__name__} could not list its fields without a particular record")
    for name, field in fields.items():
        if field.read_only or isinstance(field, serializers.BaseSerializer | serializers.HiddenField):
            continue
        for message in api_messages_of(field):
            assert not any(phrase in message for phrase in DRF_STOCK_PHRASES), (
                f"{serializer_class.__name__}.{name}: {message}"
            )


def test_the_api_kit_names_the_field_in_its_messages():
    class Example(PlainSerializer):
        given_name = serializers.CharField(max_length=100)
        status = serializers.ChoiceField(choices=["open", "closed"])
        count = serializers.IntegerField(max_value=10)

    example = Example(data={"given_name": "x" * 5000, "status": "lost", "count": 11})
    assert not example.is_valid()
    assert example.errors == {
        "given_name": ["Given name must be 100 characters or fewer"],
        "status": ["Choose status from the list"],
        "count": ["Count must be 10 or less"],
    }
    missing = Example(data={})
    assert not missing.is_valid()
    assert missing.errors == {
        "given_name": ["Enter given name"],
        "status": ["Choose status"],
        "count": ["Enter count"],
    }
