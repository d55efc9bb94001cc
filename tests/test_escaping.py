"""Script stored in every text field comes back as text: escaped on every page, unable to run as a
formula in every CSV export, and shown literally in the PDF.

Every route of the access matrix (tests/matrix/) that answers a GET is read by a persona it allows,
after every free-text field of every row in the project's tables (the partnership fixture and the
records the matrix's routes make) has been set to PROBE. The API answers JSON (application/json,
nosniff), which a browser never renders as a page, and is not checked here."""

import csv
import io
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from pypdf import PdfReader

from cases.models import Child
from conftest import PERSONAS
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
    shown = {"html": 0, "csv": 0, "pdf": 0}
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
    assert not failures, "\n".join(failures)
    # The probe was really shown: on most pages, in the exports, and in the PDF.
    assert shown["html"] > 50 and shown["csv"] >= 3 and shown["pdf"] >= 1, shown
