"""The GOV.UK date input with a time box: day, month, year and a 24-hour time, read in the
service's time zone (Europe/London), with plain-English errors."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from safeguarding.forms import GovukDateTimeField, GovukDateTimeWidget, GovukForm

LONDON = ZoneInfo("Europe/London")


class MomentForm(GovukForm):
    moment = GovukDateTimeField(label="When")


def data(day="27", month="3", year="2026", time="21:30"):
    return {"moment_day": day, "moment_month": month, "moment_year": year, "moment_time": time}


def test_a_date_and_time_is_read_in_london_time():
    form = MomentForm(data())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["moment"] == datetime(2026, 3, 27, 21, 30, tzinfo=LONDON)
    summer = MomentForm(data(day="1", month="7", time="09.05"))
    assert summer.is_valid()
    assert summer.cleaned_data["moment"].utcoffset().total_seconds() == 3600  # British Summer Time


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (data(time="24:00"), "Enter a real time on the 24-hour clock, for example 21:30"),
        (data(time="9pm"), "Enter a real time on the 24-hour clock, for example 21:30"),
        (data(time=""), "Enter a day, month, year and time"),
        (data(day="31", month="2"), "Enter a real date"),
        ({}, "Enter when"),
    ],
)
def test_bad_input_is_explained(values, message):
    form = MomentForm(values)
    assert not form.is_valid()
    assert form.errors["moment"] == [message]


def test_a_saved_moment_is_shown_back_in_the_boxes():
    moment = datetime(2026, 12, 6, 17, 45, tzinfo=LONDON)
    assert GovukDateTimeWidget().decompress(moment) == [6, 12, 2026, "17:45"]
    with pytest.raises(ValidationError) as error:
        GovukDateTimeField().clean(["1", "1", "2026", "7"])
    assert error.value.messages == ["Enter a real time on the 24-hour clock, for example 21:30"]
