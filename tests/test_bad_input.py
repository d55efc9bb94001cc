"""Bad input (issue 19): oversized bodies, malformed JSON, wrong content types, path traversal in
upload names and SQL fragments in every API filter and search. Each gets a 4xx with a clear message
or the normal answer, writes nothing, and leaks nothing of the server in its answer.

Script in text fields: tests/test_escaping.py. Every operation fuzzed from the schema:
tests/test_api_fuzz.py."""

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from drf_spectacular.generators import SchemaGenerator

from conftest import PERSONA_ROLES
from feeds.models import FeedImport
from tests.feeds_helpers import feed_csv, media, row  # noqa: F401 (media is a fixture)

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
# What an answer must never show: a traceback, file paths, the database's own words.
LEAK_SIGNS = (
    "Traceback",
    'File "/',
    "site-packages",
    "Error at line",
    "OperationalError",
    "ProgrammingError",
    "DataError",
    "syntax error",
    "sqlite",
    "psycopg",
    "IntegrityError",
)
SQL_FRAGMENTS = (
    "' OR '1'='1",
    "1; DROP TABLE cases_child; --",
    '1") UNION SELECT username, password FROM accounts_user --',
)
PROJECT_ROOT = Path(django_settings.BASE_DIR)


# Written by reads, so not a sign that bad input was stored: the audit trail (reads are audited) and
# the dashboards' figures (computed on the first read of a period and kept).
WRITTEN_BY_READS = {"dashboards.Aggregate"}


def is_ours(path: Path) -> bool:
    # The virtual environment may sit inside the checkout (`make install` puts it in .venv).
    return path.is_relative_to(PROJECT_ROOT) and not path.is_relative_to(Path(sys.prefix))


def business_rows() -> dict[str, int]:
    """Rows in every table of the project's own apps, except those reads write (WRITTEN_BY_READS)."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if is_ours(Path(apps.get_app_config(model._meta.app_label).path))
        and model._meta.app_label != "audit"
        and model._meta.label not in WRITTEN_BY_READS
    }


def assert_nothing_leaked(response) -> None:
    text = response.content.decode(errors="replace")
    assert not [sign for sign in LEAK_SIGNS if sign in text], text[:500]


def child_body(**changes) -> dict:
    return {"given_name": "Ada", "family_name": "Newchild", "date_of_birth": "2012-05-01", **changes}


# Oversized bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        ("application/json", json.dumps),
        ("application/x-www-form-urlencoded", lambda body: "&".join(f"{k}={v}" for k, v in body.items())),
    ],
)
def test_an_api_body_over_the_size_limit_is_refused_with_413(client_for, partnership, settings, content_type, encode):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = client_for("caseworker")
    before = business_rows()
    response = client.post(f"{V1}/children/", encode(child_body(given_name="A" * 20_000)), content_type=content_type)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large: send at most 10,000 bytes."}
    assert business_rows() == before
    # Just under the limit, the same request is read (and refused for its too-long name, as usual).
    response = client.post(f"{V1}/children/", encode(child_body(given_name="A" * 9_000)), content_type=content_type)
    assert response.status_code == 400 and list(response.json()) == ["given_name"]


def test_an_oversized_multipart_form_to_the_api_is_refused_with_413(client_for, partnership, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = business_rows()
    response = client_for("caseworker").post(f"{V1}/children/", child_body(given_name="A" * 20_000))
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    assert business_rows() == before


def test_an_oversized_form_on_a_page_is_a_plain_400_page(client_for, partnership, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = business_rows()
    response = client_for("caseworker").post("/children/new/", child_body(given_name="A" * 20_000))
    assert response.status_code == 400
    assert "could not read what was sent" in response.content.decode()
    assert_nothing_leaked(response)
    assert business_rows() == before


# Malformed JSON and wrong content types ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'{"given_name": "Ada"', b"not json", b"\xff\xfe{}", b'{"given_name": NaN}', b"", b"[1, 2]", b'"Ada"'],
    ids=["truncated", "not-json", "not-utf8", "nan", "empty", "a-list", "a-string"],
)
def test_malformed_json_is_a_400_that_says_what_is_wrong(client_for, partnership, body):
    before = business_rows()
    response = client_for("caseworker").generic("POST", f"{V1}/children/", body, content_type="application/json")
    assert response.status_code == 400
    answer = response.json()
    message = answer.get("detail") or answer.get("non_field_errors") or answer.get("given_name")
    assert message, answer
    assert_nothing_leaked(response)
    assert business_rows() == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "text/csv", "application/octet-stream"])
def test_a_body_of_a_type_the_api_does_not_read_is_refused_with_415(client_for, partnership, content_type):
    before = business_rows()
    response = client_for("caseworker").generic(
        "POST", f"{V1}/children/", json.dumps(child_body()), content_type=content_type
    )
    assert response.status_code == 415
    assert response.json() == {"detail": f'Unsupported media type "{content_type}" in request.'}
    assert business_rows() == before


def test_an_api_address_that_does_not_exist_answers_json_404(client_for, partnership):
    response = client_for("caseworker").get(f"{V1}/children/1.5/chronology/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


# Path traversal in upload names ----------------------------------------------------------------------

TRAVERSING_NAMES = ("../../../../escaped.csv", "..\\..\\..\\escaped.csv", "/srv/escaped.csv", "....//escaped.csv")


def multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body naming the file as given (Django's test client would strip the path itself)."""
    boundary = "fuzz-boundary-7e3f"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize("url", ["/cohort/feeds/upload/", f"{V1}/cohort/feeds/"], ids=["page", "api"])
def test_an_upload_name_cannot_place_the_file_outside_the_media_folder(client_for, partnership, url):
    client = client_for("manager")
    media_root = Path(django_settings.MEDIA_ROOT).resolve()
    for number, name in enumerate(TRAVERSING_NAMES):
        body, content_type = multipart(name, feed_csv([row(f"r-{number}", partnership.council_child)]))
        response = client.generic("POST", url, body, content_type=content_type)
        assert response.status_code in (201, 302), response.content
    feeds = list(FeedImport.objects.order_by("pk"))
    assert len(feeds) == len(TRAVERSING_NAMES)
    for feed in feeds:
        stored = Path(feed.file.path).resolve()
        assert stored.is_relative_to(media_root) and stored.name.startswith("feed-")
        assert not {"/", "\\"} & set(feed.original_name) and feed.original_name.endswith("escaped.csv")
    assert not list(media_root.parent.rglob("escaped.csv")) and not Path("/srv/escaped.csv").exists()


# SQL fragments in every filter and search ----------------------------------------------------------


def api_filters() -> dict[str, list[str]]:
    """Every list in the schema that takes filters: its path and query parameters (`page` aside)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    filters = {
        path: [parameter["name"] for parameter in operations["get"].get("parameters", []) if parameter["in"] == "query"]
        for path, operations in schema["paths"].items()
        if "{" not in path and "get" in operations
    }
    return {path: [name for name in names if name != "page"] for path, names in filters.items() if names != ["page"]}


def ids_in(response) -> set:
    body = response.json()
    rows = body.get("results", []) if isinstance(body, dict) else []
    return {row.get("id") for row in rows if isinstance(row, dict)}


@pytest.mark.parametrize("persona", ["caseworker", "police", "coordinator", "outreach", "manager"])
def test_sql_in_every_api_filter_is_a_400_or_a_normal_answer(client_for, partnership, persona):
    client = client_for(persona)
    filters = api_filters()
    assert sum(len(names) for names in filters.values()) > 20
    before = business_rows()
    for path, names in filters.items():
        unfiltered = client.get(path)
        for name in names:
            for fragment in SQL_FRAGMENTS:
                response = client.get(path, {name: fragment})
                assert response.status_code in (200, 400, 404), (path, name, fragment, response.content[:300])
                assert_nothing_leaked(response)
                if response.status_code == 200 and unfiltered.status_code == 200:
                    assert ids_in(response) <= ids_in(unfiltered), (path, name, fragment)
    assert business_rows() == before


@pytest.mark.parametrize("field", ["name", "identifier", "date_of_birth"])
def test_sql_in_the_api_search_finds_nothing_it_should_not(client_for, partnership, field):
    client = client_for("voluntary")
    before = business_rows()
    for fragment in SQL_FRAGMENTS:
        response = client.post(f"{V1}/children/search/", {field: fragment}, content_type="application/json")
        assert response.status_code in (200, 400)
        assert_nothing_leaked(response)
        if response.status_code == 200:
            assert ids_in(response) <= {partnership.voluntary_child.pk}
    assert business_rows() == before


def test_an_api_server_error_answers_json_that_says_nothing_of_its_cause(partnership, monkeypatch):
    from django.test import Client

    from cases.api import children

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail from deep inside")

    monkeypatch.setattr(children.ChildViewSet, "list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(partnership.users["caseworker"])
    response = client.get(f"{V1}/children/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Something went wrong on our side. Try again later; if it keeps happening, tell your system "
        "administrator."
    }


class FormFields(HTMLParser):
    """The names of the fields of each form on a page, with its method and action."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(((attributes.get("method") or "get").lower(), attributes.get("action") or "", []))
        elif (
            tag in ("input", "select", "textarea")
            and self.forms
            and attributes.get("name")
            and attributes.get("type") not in ("hidden", "submit", "checkbox", "radio")
        ):
            self.forms[-1][2].append(attributes["name"])


def page_filters(partnership) -> list[tuple[str, str, list[str]]]:
    """(persona, page, field names) for each list or search page's GET form, read as a persona it allows."""
    from tests.test_access_matrix import LIST_ROUTE, ROUTES, url_for

    found = []
    for route, spec in sorted(ROUTES.items()):
        if spec.method != "get" or route.startswith("api") or not LIST_ROUTE.search(route):
            continue
        persona = next((persona for persona in PERSONA_ROLES if spec.status_for(persona) == 200), None)
        if persona is not None:
            found.append((route, persona, url_for(route, spec, partnership)))
    return found


def test_sql_in_every_page_filter_and_the_search_page_is_a_400_or_a_normal_page(client_for, partnership):
    before = business_rows()
    checked = 0
    for route, persona, url in page_filters(partnership):
        client = client_for(persona)
        page = client.get(url)
        if not page["Content-Type"].startswith("text/html"):
            continue  # a CSV export: its filters come from the list page's form
        parser = FormFields()
        parser.feed(page.content.decode())
        for method, action, names in parser.forms:
            if not names or (method == "post" and not route.endswith("_search")):
                continue
            target = action or url
            for fragment in SQL_FRAGMENTS:
                data = dict.fromkeys(names, fragment)
                response = client.post(target, data) if method == "post" else client.get(target, data)
                assert response.status_code in (200, 302, 400), (route, names, fragment, response.status_code)
                assert_nothing_leaked(response)
                checked += 1
    assert checked > 20
    assert business_rows() == before


def test_a_database_that_cannot_be_reached_answers_503_try_again_not_500(partnership, monkeypatch):
    """PostgreSQL down or restarting: pages and the API say to try again in a few minutes (503, with
    Retry-After), and nothing of the cause. tests/test_faults.py stops a real server."""
    from django.db import OperationalError
    from django.test import Client

    from cases.api import children
    from cases.views import children as child_views

    def unreachable(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(children.ChildViewSet, "list", unreachable)
    monkeypatch.setattr(child_views, "render", unreachable)
    client = Client(raise_request_exception=False)
    client.force_login(partnership.users["caseworker"])
    response = client.get(f"{V1}/children/")
    assert (response.status_code, response["Retry-After"]) == (503, "30")
    assert response.json()["detail"].startswith("The service is unavailable for a moment: try again in a few minutes.")
    page = client.get("/")
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert "Sorry, the service is unavailable" in page.content.decode()
    assert_nothing_leaked(page)
