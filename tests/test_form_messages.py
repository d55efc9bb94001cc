"""Every field of every form speaks plain English: the test walks each form class's fields, feeds
them empty, too long and impossible values, and fails on any of Django's stock messages."""

import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError

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
