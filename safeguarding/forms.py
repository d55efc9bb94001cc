"""Form building blocks that render in the GOV.UK Design System patterns."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input pattern)."""

    template_name = "includes/date_widget.html"

    def __init__(self, attrs=None):
        widgets = {
            "day": forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-2"}
            ),
            "month": forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-2"}
            ),
            "year": forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-4"}
            ),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    widget = GovukDateWidget
    default_error_messages = {
        "invalid": "Enter a real date",
        "incomplete": "Enter a day, month and year",
    }

    def __init__(self, **kwargs):
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        if not all(data_list):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        try:
            day, month, year = (int(str(part).strip()) for part in data_list)
            if year < 1000:
                raise ValueError
            return date(year, month, day)
        except ValueError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


def _stock_messages(field: forms.Field) -> dict[str, str]:
    """Django's own defaults for this kind of field (not those a project field class sets)."""
    messages: dict[str, str] = {}
    for klass in reversed(type(field).__mro__):
        if klass.__module__.startswith("django."):
            defaults = getattr(klass, "default_error_messages", {})
            messages.update({code: str(text) for code, text in defaults.items()})
    return messages


def subject_of(label: Any) -> str:
    """'Police reference (optional)' -> 'police reference'; 'NHS number' keeps its capitals."""
    text = str(label or "this").replace("(optional)", "").strip().rstrip("?:").strip()
    if len(text) > 1 and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    return text


def plain_error_messages(field: forms.Field) -> None:
    """Replace Django's stock messages ("This field is required.", "Ensure this value has at most
    100 characters (it has 5000).", "Select a valid choice...") with plain English naming the
    field. Messages a form sets itself are kept."""
    stock = _stock_messages(field)
    messages = field.error_messages
    subject = subject_of(field.label)
    sentence = subject[0].upper() + subject[1:] if subject else "This"

    def is_stock(code: str) -> bool:
        return code in stock and str(messages.get(code, "")) == stock[code]

    choosing = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
    plain = {
        "required": f"{'Choose' if choosing else 'Enter'} {subject}",
        "invalid_choice": f"Choose {subject} from the list",
        "invalid_list": f"Choose {subject} from the list",
        "invalid_pk_value": f"Choose {subject} from the list",
        "incomplete": f"Enter all of {subject}",
    }
    if isinstance(field, forms.BooleanField):
        plain["required"] = f"Tick ‘{field.label}’ to go on"
    if isinstance(field, forms.IntegerField):
        plain["invalid"] = f"Enter {subject} as a whole number"
    elif isinstance(field, forms.DateField):
        plain["invalid"] = "Enter a real date"
    else:
        plain["invalid"] = f"Enter {subject} in the correct format"
    for code, text in plain.items():
        if is_stock(code):
            messages[code] = text
    if isinstance(field, forms.EmailField) and "invalid" not in messages:  # the validator's message
        messages["invalid"] = "Enter an email address in the correct format, like name@example.com"
    # Length and size limits are validators: their messages come from error_messages by code.
    for code, limit, words in (
        ("max_length", getattr(field, "max_length", None), "characters or fewer"),
        ("min_length", getattr(field, "min_length", None), "characters or more"),
        ("max_value", getattr(field, "max_value", None), "or less"),
        ("min_value", getattr(field, "min_value", None), "or more"),
    ):
        if limit is not None and code not in messages:
            shown = f"{limit:,}" if isinstance(limit, int) else str(limit)
            messages[code] = f"{sentence} must be {shown} {words}"


class GovukForm(forms.Form):
    """Adds the GOV.UK classes to widgets and error classes to fields with errors, and puts every
    stock Django message into plain English (plain_error_messages)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for field in cls.__dict__.get("declared_fields", {}).values():
            plain_error_messages(field)

    widget_classes = {
        forms.TextInput: "govuk-input",
        forms.EmailInput: "govuk-input",
        forms.PasswordInput: "govuk-input",
        forms.NumberInput: "govuk-input govuk-input--width-4",
        forms.Textarea: "govuk-textarea",
        forms.Select: "govuk-select",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            plain_error_messages(field)  # fields added by a form's own __init__ too
            css = self.widget_classes.get(type(field.widget))
            if css and "class" not in field.widget.attrs:
                field.widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if isinstance(widget, forms.MultiWidget):
                    for sub in widget.widgets:
                        sub.attrs["class"] = sub.attrs.get("class", "") + " govuk-input--error"
                elif widget.attrs.get("class"):
                    suffix = (
                        "textarea"
                        if "govuk-textarea" in widget.attrs["class"]
                        else ("select" if "govuk-select" in widget.attrs["class"] else "input")
                    )
                    widget.attrs["class"] += f" govuk-{suffix}--error"


def add_service_errors(form: forms.Form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on a form: each message on its field when the form has that
    field (after `rename`), otherwise at the top of the error summary."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = (rename or {}).get(name, name)
        form.add_error(field if field in form.fields else None, errors)


STALE_EDIT_MESSAGE = (
    "Someone else changed this {what} while you were editing it. Your changes have not been saved. "
    "Check the current version below, then save again."
)


def stale_edit_form(
    form_class: type[forms.Form], posted: Any, current_version: int, *, what: str, message: str = "", **kwargs: Any
) -> Any:
    """The form shown after a save found the record changed by someone else: everything the user
    typed is kept, the hidden version now points at the saved record (so a deliberate second save
    goes through), and the error summary says what happened."""
    data = posted.copy()
    data["version"] = str(current_version)
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, message or STALE_EDIT_MESSAGE.format(what=what))
    return form


TIME_FORMAT = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class GovukDateTimeWidget(GovukDateWidget):
    """The GOV.UK date input followed by a time box (24-hour clock, for example 21:30)."""

    template_name = "includes/datetime_widget.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets.append(
            forms.TextInput(attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-4"})
        )
        self.widgets_names.append("_time")

    def decompress(self, value):
        if isinstance(value, datetime):
            local = timezone.localtime(value)
            return [local.day, local.month, local.year, f"{local:%H:%M}"]
        return [None, None, None, None]


class GovukDateTimeField(forms.MultiValueField):
    """A date and a time of day in the server's time zone (Europe/London), as an aware datetime."""

    widget = GovukDateTimeWidget
    default_error_messages = {
        "invalid": "Enter a real date",
        "incomplete": "Enter a day, month, year and time",
        "invalid_time": "Enter a real time on the 24-hour clock, for example 21:30",
    }

    def __init__(self, **kwargs):
        fields = (forms.CharField(), forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        if not all(data_list):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        day_date = GovukDateField().compress(data_list[:3])
        match = TIME_FORMAT.match(str(data_list[3]))
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        moment = datetime.combine(day_date, time(int(match[1]), int(match[2])))
        return timezone.make_aware(moment)
