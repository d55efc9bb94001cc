"""Every operation in the OpenAPI schema, fuzzed with schemathesis once per persona: no answer is a
server error, and every answer conforms to the schema (its status, content type, headers and body
are the ones documented for that operation).

Each persona signs in with the partnership fixture (conftest.py) and gets, for every operation,
schema-valid requests (positive) and schema-violating ones (negative), sent in-process through
Django's test client into the test database (so what the fuzzer writes is rolled back like any
test's writes). Half of the valid requests use the ids of records the fixture made, and If-Match
"1" (their first version), so they reach validation and the services rather than stopping at 404.

The run is deterministic (a fixed seed per operation; the requests are made once and sent as each
persona) and bounded: FUZZ_EXAMPLES examples per operation and mode (default 3;
`FUZZ_EXAMPLES=50 .venv/bin/pytest tests/test_api_fuzz.py` looks harder). docs/testing.md
("API fuzzing") says which schemathesis checks run and why the others do not.
"""

from __future__ import annotations

import functools
import json
import os
import time
import zlib

import pytest
import requests
import schemathesis
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import PERSONA_ROLES

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# Record ids the partnership fixture's records (and the fuzzer's own creations) have.
FIXTURE_IDS = st.integers(min_value=1, max_value=12)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def api_schema() -> dict:
    """The schema /api/schema/ serves, without its security schemes: each persona's session signs
    the requests in (an anonymous caller's 403 on every route is the access matrix's to check)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = json.loads(OpenApiJsonRenderer().render(document))
    schema.pop("security", None)
    schema.get("components", {}).pop("securitySchemes", None)
    for path in schema["paths"].values():
        for operation in path.values():
            operation.pop("security", None)
    return schema


@functools.cache
def operations() -> list:
    schema = schemathesis.openapi.from_dict(api_schema())
    return [result.ok() for result in schema.get_all_operations()]


def send(client, case) -> schemathesis.Response:
    """The case as schemathesis would send it (requests' encoding), through Django's test client."""
    prepared = requests.Request(**case.as_transport_kwargs(base_url="http://testserver")).prepare()
    body = prepared.body or b""
    headers = {
        name: value
        for name, value in prepared.headers.items()
        if name.lower() not in {"content-type", "content-length", "cookie"}
    }
    started = time.perf_counter()
    answer = client.generic(
        case.method,
        prepared.path_url,
        data=body.encode() if isinstance(body, str) else body,
        content_type=prepared.headers.get("Content-Type", ""),
        headers=headers,
    )
    return schemathesis.Response(
        status_code=answer.status_code,
        headers={name.lower(): [value] for name, value in answer.headers.items()},
        content=answer.content,
        request=prepared,
        elapsed=time.perf_counter() - started,
        verify=False,
    )


def use_fixture_records(case, data) -> None:
    """Point a valid request at records that exist, with their first version, half the time."""
    if data.draw(st.booleans(), label="fixture records"):
        for name in case.path_parameters or {}:
            case.path_parameters[name] = data.draw(FIXTURE_IDS, label=name)
        if case.headers and "If-Match" in case.headers:
            case.headers["If-Match"] = '"1"'


def generate(operation, mode: GenerationMode) -> list:
    """EXAMPLES requests for the operation, valid or not as `mode` says, the same on every run."""
    cases: list = []

    @seed(zlib.crc32(f"{operation.label} {mode.value}".encode()))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def collect(case, data):
        if mode is GenerationMode.POSITIVE:
            use_fixture_records(case, data)
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        # Nothing in the operation can be made invalid (no parameters, no body): nothing to send.
        assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request could be made"
    return cases


@functools.cache
def requests_to_send() -> list:
    """Every operation's requests, valid and not, made once and sent as each persona in turn."""
    return [
        (operation, case)
        for operation in operations()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for case in generate(operation, mode)
    ]


# The nine named personas; the dual one only combines two of them (conftest.py).
@pytest.mark.parametrize("persona", PERSONA_ROLES)
def test_every_operation_answers_as_its_schema_says(client_for, persona):
    client = client_for(persona)
    failures = []
    for operation, case in requests_to_send():
        try:
            # A savepoint per request: a server error on PostgreSQL leaves the rest able to run.
            with transaction.atomic():
                response = send(client, case)
        except Exception as error:  # the test client raises the view's exception: a server error
            failures.append(f"{operation.label} (as {persona}): server error {error!r}\n{case.as_curl_command()}")
            continue
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as found:
            failures.append(f"{operation.label} (as {persona}):\n{found}")
    assert not failures, f"{len(failures)} failing requests:\n\n" + "\n\n".join(failures[:20])
