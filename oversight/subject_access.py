"""What a young person's subject access export holds: their records across every agency, as
sections of items. Items that police may withhold (intelligence, disruption, persons of concern)
and items that name other people (family members, other young people) are flagged: the export is
released only once a reviewer has decided on each (oversight/services.py).

Nothing here is filtered by the reader's agencies: the DPO answers a request for everything held
about the young person, and every step is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cases.models import Child, ChronologyEvent, ContextLink, FamilyMember, Involvement, PeerLink, Referral
from interventions.models import DisruptionAction, IntelligenceReport, Intervention, MissingEpisode, PersonOfConcern
from mentoring.models import Match, MentoringReferral
from oversight.models import Decision, ItemFlag

REMOVED = "[Removed: another person's details]"


@dataclass
class Line:
    label: str
    value: str
    sensitive: bool = False  # removed when the reviewer releases the item with other people's details removed


@dataclass
class Item:
    source: str  # the record's type, e.g. cases.peerlink
    object_id: int
    title: str
    lines: list[Line]
    flag: str = ""  # an ItemFlag when a reviewer must decide
    decision: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return self.source, self.object_id


@dataclass
class Section:
    heading: str
    items: list[Item] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _item(record: Any, title: str, lines: list[tuple[str, Any] | tuple[str, Any, bool]], flag: str = "") -> Item:
    return Item(
        source=record._meta.label_lower,
        object_id=record.pk,
        title=title,
        lines=[Line(entry[0], _text(entry[1]), bool(entry[2]) if len(entry) > 2 else False) for entry in lines],
        flag=flag,
    )


def _details(child: Child) -> Section:
    lines: list[tuple[str, Any] | tuple[str, Any, bool]] = [
        ("Reference", child.reference),
        ("Given name", child.given_name),
        ("Family name", child.family_name),
        ("Date of birth", child.date_of_birth),
        ("Gender", child.get_gender_display()),
        ("Ethnicity", child.get_ethnicity_display()),
        ("Unique pupil number", child.upn),
        ("NHS number", child.nhs_number),
        ("Police reference", child.police_id),
        ("In care", "Yes" if child.looked_after else "No"),
        ("Case", child.get_status_display()),
    ]
    lines += [("Also known as", alias.name) for alias in child.aliases.all()]
    return Section("Details", [_item(child, "Young person's details", lines)])


def _agencies(child: Child) -> Section:
    involvements = Involvement.objects.filter(child=child).select_related("agency").order_by("started_on", "pk")
    return Section(
        "Agencies working with the young person",
        [
            _item(i, i.agency.name, [("From", i.started_on), ("To", i.ended_on or "Still working with them")])
            for i in involvements
        ],
    )


def _chronology(child: Child) -> Section:
    events = ChronologyEvent.objects.filter(child=child).select_related("source_agency").order_by("occurred_on", "pk")
    return Section(
        "Chronology",
        [
            _item(
                e,
                f"{e.occurred_on:%-d %B %Y}: {e.get_kind_display()}",
                [("Recorded by", e.source_agency.name), ("Summary", e.summary), ("Detail", e.detail)],
            )
            for e in events
        ],
    )


def _work(child: Child) -> Section:
    items = [
        _item(
            r,
            f"Referral received {r.received_on:%-d %B %Y}",
            [
                ("From", r.referrer_agency.name),
                ("Concern", r.get_category_display()),
                ("Concerns", r.concerns),
                ("Status", r.get_status_display()),
                ("Outcome", r.outcome),
            ],
        )
        for r in Referral.objects.filter(child=child).select_related("referrer_agency").order_by("received_on", "pk")
    ]
    items += [
        _item(
            i,
            f"{i.intervention_type.label} from {i.started_on:%-d %B %Y}",
            [
                ("Lead agency", i.lead_agency.name),
                ("Ended", i.ended_on),
                ("Status", i.get_status_display()),
                ("Planned outcomes", i.planned_outcomes),
                ("Outcome", i.outcome),
            ],
        )
        for i in Intervention.objects.filter(child=child)
        .select_related("intervention_type", "lead_agency")
        .order_by("started_on", "pk")
    ]
    items += [
        _item(
            m,
            f"Missing from {m.reported_missing_at:%-d %B %Y %H:%M}",
            [
                ("Risk", m.get_risk_grading_display()),
                ("Circumstances", m.circumstances),
                ("Returned", m.returned_at),
                ("Where found", m.where_found),
            ],
        )
        for m in MissingEpisode.objects.filter(child=child).order_by("reported_missing_at", "pk")
    ]
    items += [
        _item(
            r,
            f"Mentoring referral {r.referred_on:%-d %B %Y}",
            [("Reason", r.reason), ("Goals", r.goals), ("Status", r.get_status_display())],
        )
        for r in MentoringReferral.objects.filter(child=child).order_by("referred_on", "pk")
    ]
    items += [
        _item(m, f"Mentoring from {m.started_on:%-d %B %Y}", [("Ended", m.ended_on), ("Ending", m.end_note)])
        for m in Match.objects.filter(child=child).order_by("started_on", "pk")
    ]
    return Section("Referrals, interventions, missing episodes and mentoring", items)


def _places(child: Child) -> Section:
    links = ContextLink.objects.filter(child=child).select_related("context", "source_agency").order_by("pk")
    return Section(
        "Places and groups",
        [
            _item(
                link,
                link.context.name,
                [("Role", link.get_role_display()), ("Recorded by", link.source_agency.name), ("Note", link.note)],
            )
            for link in links
        ],
    )


def _people(child: Child) -> Section:
    """Family members and other young people: each item names someone else, so each is flagged."""
    items = []
    families = FamilyMember.objects.filter(child=child).select_related("family")
    for membership in families:
        family = membership.family
        others = (
            FamilyMember.objects.filter(family=family)
            .exclude(pk=membership.pk)
            .select_related("adult", "child")
            .order_by("pk")
        )
        lines: list[tuple[str, Any] | tuple[str, Any, bool]] = [("Relationship", membership.get_relationship_display())]
        for other in others:
            lines.append((other.get_relationship_display(), str(other.adult or other.child), True))
        items.append(_item(family, f"Family {family.reference}", lines, ItemFlag.THIRD_PARTY))
    peers = PeerLink.objects.filter(child_a=child) | PeerLink.objects.filter(child_b=child)
    for link in peers.select_related("child_a", "child_b").order_by("pk"):
        peer = link.child_b if link.child_a_id == child.pk else link.child_a
        items.append(
            _item(
                link,
                f"Relationship recorded {link.created_at:%-d %B %Y}",
                [
                    ("Relationship", link.get_relationship_display()),
                    ("Other young person", str(peer), True),
                    ("Note", link.note, True),
                ],
                ItemFlag.THIRD_PARTY,
            )
        )
    return Section("Family and other young people", items)


def _police(child: Child) -> Section:
    """Police-only records naming the young person: the force may withhold them (DPA 2018 Part 3)."""
    items = [
        _item(
            report,
            f"Intelligence report {report.reference}",
            [
                ("Received", report.received_on),
                ("Grading", f"{report.source_evaluation}{report.assessment}{report.handling_code}"),
                ("Report", report.text, True),
            ],
            ItemFlag.POLICE,
        )
        for report in IntelligenceReport.objects.filter(children=child).order_by("received_on", "pk")
    ]
    items += [
        _item(
            action,
            f"{action.get_kind_display()} on {action.taken_on:%-d %B %Y}",
            [("Outcome", action.outcome, True)],
            ItemFlag.POLICE,
        )
        for action in DisruptionAction.objects.filter(child=child).order_by("taken_on", "pk")
    ]
    items += [
        _item(
            person,
            f"Person of concern {person.reference}",
            [("Name", str(person), True), ("Known as", person.known_as, True)],
            ItemFlag.POLICE,
        )
        for person in PersonOfConcern.objects.filter(children=child).order_by("pk")
    ]
    return Section("Police records", items)


def sections(child: Child) -> list[Section]:
    """Everything held about the young person, every item flagged that needs a reviewer."""
    return [
        _details(child),
        _agencies(child),
        _chronology(child),
        _work(child),
        _places(child),
        _people(child),
        _police(child),
    ]


def flagged(found: list[Section]) -> list[Item]:
    return [item for section in found for item in section.items if item.flag]


def released(found: list[Section], decisions: dict[tuple[str, int], str]) -> list[Section]:
    """The sections as released: withheld items left out, redacted items without other people's
    details. A flagged item with no decision is left out (callers refuse to release before every
    flagged item is decided)."""
    result = []
    for section in found:
        kept = []
        for item in section.items:
            decision = decisions.get(item.key, Decision.PENDING) if item.flag else Decision.RELEASE
            if decision in (Decision.WITHHOLD, Decision.PENDING):
                continue
            if decision == Decision.REDACT:
                item.lines = [Line(line.label, REMOVED if line.sensitive else line.value) for line in item.lines]
            item.decision = decision
            kept.append(item)
        result.append(Section(section.heading, kept))
    return result


def as_json(child_reference: str, found: list[Section]) -> dict[str, Any]:
    return {
        "young_person": child_reference,
        "sections": [
            {
                "heading": section.heading,
                "items": [
                    {
                        "type": item.source,
                        "id": item.object_id,
                        "title": item.title,
                        "fields": {line.label: line.value for line in item.lines if line.value},
                    }
                    for item in section.items
                ],
            }
            for section in found
        ],
    }
