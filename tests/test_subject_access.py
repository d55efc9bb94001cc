"""A young person's subject access export: everything every agency holds, as PDF and JSON, released
only after the DPO has decided on each police record and each item naming other people; every step
audited; nobody else reaches it."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from cases.models import ChronologyEvent, PeerLink
from interventions.models import IntelligenceReport, Intervention, InterventionType
from oversight.models import ExportItem, SubjectAccessExport
from oversight.subject_access import REMOVED

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(partnership):
    """The council child: a chronology entry, a family with an adult (partnership fixture), a
    friend, and a police intelligence report naming them."""
    p = partnership
    child = p.council_child
    ChronologyEvent.objects.create(
        child=child,
        occurred_on=date(2026, 3, 1),
        kind="other",
        summary="Seen at the bus station <script>alert(1)</script>",
        source_agency=p.agencies["council"],
    )
    PeerLink.objects.create(
        child_a=child,
        child_b=p.voluntary_child,
        relationship="friend",
        source_agency=p.agencies["council"],
        recorded_by=p.users["caseworker"],
    )
    report = IntelligenceReport.objects.create(
        reference="IR-SA1",
        received_on=date(2026, 2, 1),
        source_evaluation="2",
        assessment="B",
        handling_code="P",
        text="Source says the young person carries for Dan",
        submitted_by=p.users["police"],
    )
    report.children.add(child)
    Intervention.objects.create(
        child=child,
        intervention_type=InterventionType.objects.order_by("pk").first(),
        lead_agency=p.agencies["council"],
        started_on=date(2026, 1, 5),
        planned_outcomes="Safer journeys to school",
        recorded_by=p.users["caseworker"],
    )
    return child


def prepare(client, child) -> SubjectAccessExport:
    response = client.post(
        reverse("oversight:subject_access"),
        {"reference": child.reference.lower(), "request_note": "Mother asked 1 May; passport seen"},
    )
    assert response.status_code == 302
    return SubjectAccessExport.objects.get()


def decide(client, export, source, decision, reason=""):
    item = export.items.get(source=source)
    return client.post(
        reverse("oversight:subject_access_decide", args=[export.pk, item.pk]), {"decision": decision, "reason": reason}
    )


def test_preparing_lists_the_items_a_reviewer_must_decide_without_their_content(client_for, records):
    dpo = client_for("dpo")
    export = prepare(dpo, records)
    assert sorted(export.items.values_list("source", "flag", "decision")) == [
        ("cases.family", "third_party", "pending"),
        ("cases.peerlink", "third_party", "pending"),
        ("interventions.intelligencereport", "police", "pending"),
    ]
    page = dpo.get(reverse("oversight:subject_access_detail", args=[export.pk])).content.decode()
    assert "Intelligence report IR-SA1" in page and "Police may withhold" in page
    assert "carries for Dan" not in page and "Testmother" not in page
    assert "Download PDF" not in page
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="oversight.subjectaccessexport")
    assert created.reason == "Mother asked 1 May; passport seen"
    assert created.subjects.filter(object_type="cases.child", object_id=str(records.pk)).exists()


def test_nothing_is_released_before_every_flagged_item_is_decided(client_for, records):
    dpo = client_for("dpo")
    export = prepare(dpo, records)
    for name in ("oversight:subject_access_json", "oversight:subject_access_pdf"):
        response = dpo.get(reverse(name, args=[export.pk]))
        assert response.status_code == 400
        assert "Decide on every flagged item first: 3 still to decide" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "withhold", "reason": ""}, "Enter the reason, for example the exemption that applies"),
        ({"decision": "redact", "reason": "  "}, "Enter the reason, for example the exemption that applies"),
        ({"decision": "publish", "reason": "x"}, "Choose decision from the list"),
        ({"reason": "x"}, "Choose whether to release, remove other people&#x27;s details or withhold"),
    ],
)
def test_a_bad_decision_is_refused_in_plain_english_and_nothing_changes(client_for, records, data, message):
    dpo = client_for("dpo")
    export = prepare(dpo, records)
    item = export.items.get(source="interventions.intelligencereport")
    response = dpo.post(reverse("oversight:subject_access_decide", args=[export.pk, item.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    item.refresh_from_db()
    assert item.decision == "pending"


def test_the_released_export_withholds_and_removes_what_the_reviewer_decided(client_for, partnership, records):
    dpo = client_for("dpo")
    export = prepare(dpo, records)
    assert (
        decide(dpo, export, "interventions.intelligencereport", "withhold", "Prejudice to crime detection").status_code
        == 302
    )
    assert decide(dpo, export, "cases.family", "redact", "Mother's details are hers").status_code == 302
    assert decide(dpo, export, "cases.peerlink", "release").status_code == 302

    response = dpo.get(reverse("oversight:subject_access_json", args=[export.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = json.loads(response.content)
    text = json.dumps(body)
    assert body["young_person"] == records.reference
    assert records.given_name in text and "Seen at the bus station <script>" in text
    assert "Safer journeys to school" in text
    assert "IR-SA1" not in text and "carries for Dan" not in text
    assert "Testmother" not in text and REMOVED in text
    assert partnership.voluntary_child.family_name in text, "the friend was released"

    pdf = dpo.get(reverse("oversight:subject_access_pdf", args=[export.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("pk")
    assert [event.detail["export"] for event in exports] == ["subject access json", "subject access pdf"]
    assert all(
        event.subjects.filter(object_type="cases.child", object_id=str(records.pk)).exists() for event in exports
    )
    decisions = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="oversight.subjectaccessexport")
    assert decisions.count() == 3
    export.refresh_from_db()
    assert export.status == "released"
    late = decide(dpo, export, "cases.peerlink", "withhold", "Changed my mind")
    assert late.status_code == 400 and "prepare a new one" in late.content.decode()


def test_a_flagged_record_added_after_preparation_must_be_decided_too(client_for, partnership, records):
    dpo = client_for("dpo")
    export = prepare(dpo, records)
    for source, decision in (
        ("interventions.intelligencereport", "release"),
        ("cases.family", "release"),
        ("cases.peerlink", "release"),
    ):
        decide(dpo, export, source, decision)
    newer = IntelligenceReport.objects.create(
        reference="IR-SA2",
        received_on=date(2026, 4, 1),
        source_evaluation="1",
        assessment="A",
        handling_code="P",
        text="Newer intelligence",
        submitted_by=partnership.users["police"],
    )
    newer.children.add(records)
    response = dpo.get(reverse("oversight:subject_access_json", args=[export.pk]))
    assert response.status_code == 400
    assert "1 new item recorded since you prepared this export" in response.content.decode()
    assert ExportItem.objects.get(export=export, object_id=newer.pk).decision == "pending"


def test_an_unknown_reference_is_refused_and_nothing_is_prepared(client_for):
    response = client_for("dpo").post(
        reverse("oversight:subject_access"), {"reference": "CH-NOPE", "request_note": "Asked by phone"}
    )
    assert response.status_code == 400
    assert "No young person has that reference" in response.content.decode()
    empty = client_for("dpo").post(reverse("oversight:subject_access"), {"reference": "", "request_note": ""})
    assert "Enter who asked, when, and how their identity was checked" in empty.content.decode()
    assert not SubjectAccessExport.objects.exists()


@pytest.mark.parametrize("persona", ["caseworker", "police", "manager", "admin"])
def test_nobody_but_the_dpo_reaches_an_export(client_for, records, persona):
    export = prepare(client_for("dpo"), records)
    client = client_for(persona)
    for name in ("oversight:subject_access_detail", "oversight:subject_access_json", "oversight:subject_access_pdf"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404


def test_the_review_page_costs_the_same_queries_however_many_items(client_for, partnership, records):
    dpo = client_for("dpo")
    export = prepare(dpo, records)
    url = reverse("oversight:subject_access_detail", args=[export.pk])
    dpo.get(url)
    with CaptureQueriesContext(connection) as few:
        dpo.get(url)
    for number in range(5):
        report = IntelligenceReport.objects.create(
            reference=f"IR-Q{number}",
            received_on=date(2026, 2, 1),
            source_evaluation="2",
            assessment="B",
            handling_code="P",
            text="More",
            submitted_by=partnership.users["police"],
        )
        ExportItem.objects.create(
            export=export,
            source="interventions.intelligencereport",
            object_id=report.pk,
            title=f"Intelligence report {report.reference}",
            flag="police",
            decision="withhold",
            decided_by=partnership.users["dpo"],
            reason="r",
        )
    with CaptureQueriesContext(connection) as many:
        dpo.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_script_in_a_record_is_text_in_the_pdf(records):
    from django.template.loader import render_to_string

    from oversight.subject_access import sections

    export = SubjectAccessExport(pk=1, child=records, request_note="x")
    html = render_to_string("oversight/subject_access_pdf.html", {"export": export, "sections": sections(records)})
    assert "Seen at the bus station &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
