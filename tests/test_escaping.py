"""Script stored in every text field comes back as text: escaped on every page, unable to run as a
formula in every CSV export, shown literally in every PDF, and a plain string in every JSON answer.

Every route of the access matrix (tests/matrix/, which enumerates the URL resolver) that answers a
GET is read by a persona it allows, after every free-text field of every row in the project's
tables (the partnership fixture and the records the matrix's routes make) has been set to PROBE.
Each page and export must show the probe (so a page that shows stored text is really checked) or be
listed in SHOWS_NO_STORED_TEXT with the reason. The downloads the matrix reaches only as a refusal
(a subject access export before its decisions), every dashboard table's CSV and the autocomplete
answers (POST) are read in their own tests. The API answers JSON (application/json, nosniff),
which a browser never renders as a page; its answers are fuzzed (tests/test_api_fuzz.py)."""

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from pypdf import PdfReader

from cases.models import Child
from conftest import PERSONAS
from interventions.models import PersonOfConcern
from oversight import services as oversight
from tests.factories import NeighbourhoodFactory
from tests.test_access_matrix import ROUTES, url_for
from tests.test_bad_input import business_rows

pytestmark = pytest.mark.django_db

# Starts like a spreadsheet formula, closes an attribute with either quote, opens a tag.
PROBE = "=\"'><probe>"
RAW_TAG = "<probe>"
ESCAPED_TAG = "&lt;probe&gt;"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Not free text a person types: the stored password hash, and an access grant's scope (a code:
# "mentoring" or none). The audit trail is left out with business_rows (it is append-only).
NOT_FREE_TEXT = {("accounts", "user", "password"), ("access", "accessgrant", "scope")}
# Answers that show nothing anyone typed, and why. A page or export missing from here must show the probe.
SHOWS_NO_STORED_TEXT = {
    "admin:jsi18n": "the admin's translations script",
    "healthz": "a health check: ok",
    "feeds:feed_progress": "a feed's progress: its stage and counts",
    "dashboards:table_csv": "a dashboard table: counts by category and area",
    "mentoring:report_csv": "the mentoring report: figures",
    "outreach:reach_export": "the reach report: figures by audience type",
}


def free_text_fields(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not field.primary_key
        and (field.max_length is None or field.max_length >= len(PROBE) + 6)
        and (model._meta.app_label, model._meta.model_name, field.name) not in NOT_FREE_TEXT
    ]


def fill_every_text_field() -> int:
    """PROBE (and the row's id, for unique fields) in every free-text field of every row, where the
    table's constraints allow it (an outcome only on an ended intervention...); how many were set."""
    filled = 0
    for label in business_rows():
        model = apps.get_model(label)
        fields = free_text_fields(model)
        for pk in model.objects.values_list("pk", flat=True) if fields else ():
            row = model.objects.filter(pk=pk)
            for field in fields:
                try:
                    with transaction.atomic():
                        row.update(**{field.name: f"{PROBE}{pk}"})
                    filled += 1
                except IntegrityError:
                    continue
    return filled


@dataclass
class Read:
    route: str
    url: str
    persona: str


def pages_to_read(partnership) -> list[Read]:
    reads = []
    for route, spec in sorted(ROUTES.items()):
        if spec.method != "get" or route.startswith("api"):
            continue
        persona = next((persona for persona in PERSONAS if spec.status_for(persona) == 200), None)
        if persona is not None:
            reads.append(Read(route, url_for(route, spec, partnership), persona))
    return reads


def test_script_in_every_text_field_comes_back_as_text_everywhere(client_for, partnership):
    # A police area, so that the scrutiny report PDF names one (the rest of it is figures).
    Child.objects.filter(pk=partnership.council_child.pk).update(neighbourhood=NeighbourhoodFactory())
    reads = pages_to_read(partnership)
    assert fill_every_text_field() > 100
    shown = {"html": 0, "csv": 0, "pdf": 0, "json": 0}
    failures = []
    for read in reads:
        response = client_for(read.persona).get(read.url)
        if response.status_code != 200:
            failures.append(f"{read.route} as {read.persona}: {response.status_code}")
            continue
        content_type = response["Content-Type"]
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if content_type.startswith("text/html"):
            text = body.decode()
            if RAW_TAG in text:
                failures.append(f"{read.route} as {read.persona}: unescaped {RAW_TAG}")
            shown["html"] += ESCAPED_TAG in text
        elif content_type.startswith("text/csv"):
            cells = [cell for line in csv.reader(io.StringIO(body.decode())) for cell in line]
            formulas = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
            if formulas:
                failures.append(f"{read.route} as {read.persona}: cells a spreadsheet would run: {formulas[:3]}")
            shown["csv"] += any(RAW_TAG in cell for cell in cells)
        elif content_type == "application/pdf":
            text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
            shown["pdf"] += RAW_TAG in text
        elif content_type.startswith("application/json"):
            failures += json_problems(read.route, response, body)
            shown["json"] += PROBE in strings_in(json.loads(body))
        if not shows_probe(content_type, body) and read.route not in SHOWS_NO_STORED_TEXT:
            failures.append(
                f"{read.route} as {read.persona}: shows no stored text (or list it in SHOWS_NO_STORED_TEXT)"
            )
        elif shows_probe(content_type, body) and read.route in SHOWS_NO_STORED_TEXT:
            failures.append(f"{read.route} shows stored text: take it out of SHOWS_NO_STORED_TEXT")
    assert not failures, "\n".join(failures)
    # The probe was really shown: on most pages, in the exports, and in the PDF.
    assert shown["html"] > 50 and shown["csv"] >= 3 and shown["pdf"] >= 1, shown


def shows_probe(content_type: str, body: bytes) -> bool:
    if content_type == "application/pdf":
        return RAW_TAG in "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return (ESCAPED_TAG if content_type.startswith("text/html") else RAW_TAG).encode() in body


def strings_in(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return [value] if isinstance(value, str) else []


def json_problems(what: str, response, body: bytes) -> list[str]:
    """JSON is inert: served as JSON that browsers may not sniff as a page, the probe a string in it."""
    problems = []
    if response["Content-Type"].split(";")[0] != "application/json":
        problems.append(f"{what}: served as {response['Content-Type']}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{what}: no X-Content-Type-Options: nosniff")
    if not any(text.startswith(PROBE) for text in strings_in(json.loads(body))):
        problems.append(f"{what}: the stored text is not in the answer as a string")
    return problems


def test_a_subject_access_export_shows_stored_script_as_text_in_its_pdf_and_json(client_for, partnership):
    """The matrix reaches these downloads only while an item is undecided (a refusal)."""
    dpo = partnership.users["dpo"]
    assert fill_every_text_field() > 100
    export = oversight.prepare_export(dpo, partnership.council_child, request_note="Request by letter")
    assert export.items.exists()
    for item in export.items.all():
        oversight.decide_item(dpo, item, decision="release", reason="")
    client = client_for("dpo")
    pdf = client.get(reverse("oversight:subject_access_pdf", args=[export.pk]))
    assert pdf.status_code == 200, pdf.content.decode()[-3000:]
    assert pdf["Content-Type"] == "application/pdf"
    assert shows_probe("application/pdf", pdf.content)
    answer = client.get(reverse("oversight:subject_access_json", args=[export.pk]))
    assert answer.status_code == 200
    assert json_problems("subject access JSON", answer, answer.content) == []
    assert RAW_TAG.encode() in answer.content, "kept as the text it was, not rewritten"


def test_every_dashboard_table_downloads_without_a_cell_a_spreadsheet_would_run(client_for, partnership):
    Child.objects.filter(pk=partnership.council_child.pk).update(neighbourhood=NeighbourhoodFactory())
    assert fill_every_text_field() > 100
    client = client_for("manager")
    pattern = re.escape(reverse("dashboards:table_csv", args=["KEY"])).replace("KEY", r"([\w-]+)")
    keys = set()
    for page in ("dashboards:dashboard", "dashboards:report", "dashboards:social_factors"):
        keys.update(re.findall(pattern, client.get(reverse(page)).content.decode()))
    assert len(keys) >= 5, keys
    for key in sorted(keys):
        response = client.get(reverse("dashboards:table_csv", args=[key]))
        assert response.status_code == 200, key
        cells = [cell for line in csv.reader(io.StringIO(response.content.decode())) for cell in line]
        assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)], key


@pytest.mark.parametrize(
    ("route", "persona"),
    [
        ("interventions:police_find_children", "police"),
        ("interventions:police_find_contexts", "police"),
        ("interventions:police_find_persons", "police"),
        ("cases:grant_find_users", "admin"),
    ],
)
def test_autocomplete_answers_carry_stored_script_as_a_string(client_for, partnership, route, persona):
    PersonOfConcern.objects.create(
        reference="POC-E1", given_name="A", family_name="B", recorded_by=partnership.users["police"]
    )
    assert fill_every_text_field() > 100
    response = client_for(persona).post(reverse(route), {"q": "probe"})
    assert response.status_code == 200
    assert json_problems(route, response, response.content) == []


def test_the_pages_scripts_insert_answers_as_text_never_as_markup():
    """The autocomplete answers above are shown by static/js: never through an HTML sink."""
    sinks = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write")
    scripts = list(Path(settings.BASE_DIR, "static", "js").glob("*js"))
    assert scripts
    for script in scripts:
        assert not sinks.search(script.read_text()), script.name
