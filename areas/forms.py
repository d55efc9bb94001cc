"""Form fields for the coded demographics and the area pickers (GOV.UK radios and selects)."""

from django import forms

from areas.demographics import ETHNIC_GROUPS, EthnicGroup, Ethnicity, Gender
from areas.models import Neighbourhood


class NeighbourhoodChoiceField(forms.ModelChoiceField):
    """An active neighbourhood, named with its local authority (a name may be used in two)."""

    def __init__(self, *, label: str = "Neighbourhood (optional)", required: bool = False, **kwargs):
        super().__init__(
            queryset=Neighbourhood.objects.active()
            .select_related("local_authority")
            .order_by("local_authority__name", "name"),
            label=label,
            required=required,
            empty_label="Not known" if not required else "Choose a neighbourhood",
            help_text="If a neighbourhood is missing, ask your system administrator to add it",
            error_messages={
                "required": "Choose a neighbourhood",
                "invalid_choice": "Choose a neighbourhood from the list",
            },
            **kwargs,
        )

    def label_from_instance(self, obj: Neighbourhood) -> str:
        return f"{obj.name}, {obj.local_authority.name}"


def gender_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Gender",
        help_text="As the young person describes it. Choose Not recorded if you do not know",
        choices=Gender.choices,
        initial=Gender.NOT_RECORDED,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a gender, or Not recorded",
            "invalid_choice": "Choose a gender from the list",
        },
    )


def ethnicity_choices() -> list:
    """The census's five groups as option groups, then Not recorded and Prefers not to say."""
    labels = dict(Ethnicity.choices)

    def detail(code: str) -> str:
        words = labels[code].split(": ", 1)[-1]
        return words[:1].upper() + words[1:]

    groups = [
        (EthnicGroup(group).label, [(code, detail(code)) for code in codes])
        for group, codes in ETHNIC_GROUPS.items()
        if group not in (EthnicGroup.NOT_RECORDED, EthnicGroup.PREFERS_NOT_TO_SAY)
    ]
    return [
        *groups,
        (Ethnicity.NOT_RECORDED, labels[Ethnicity.NOT_RECORDED]),
        (Ethnicity.PREFERS_NOT_TO_SAY, labels[Ethnicity.PREFERS_NOT_TO_SAY]),
    ]


def ethnicity_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Ethnicity",
        help_text="The 2021 census categories, as the young person or their family describe it",
        choices=ethnicity_choices(),
        initial=Ethnicity.NOT_RECORDED,
        error_messages={
            "required": "Choose an ethnicity, or Not recorded",
            "invalid_choice": "Choose an ethnicity from the list",
        },
    )
