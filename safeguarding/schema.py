"""The OpenAPI schema's answers that every endpoint can give, whether or not its view declares them:
403 (not signed in, or the role may not), 404 (no such record, one the caller may not see, an area
their role does not use, or a page past the end of a list) and, for requests with a body, 400 (the
body is not JSON or fails validation), 413 (the body is too large) and 415 (a content type the API
does not read).

tests/test_api_fuzz.py holds every answer to its operation's schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from safeguarding.api import FORBIDDEN_RESPONSE, INVALID_RESPONSE, ErrorSerializer

NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="No such record, one you may not see, an area your role does not use, or a page past the end.",
)
TOO_LARGE = OpenApiResponse(
    ErrorSerializer, description="The body is larger than the service accepts (DATA_UPLOAD_MAX_MEMORY_SIZE)."
)
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    ErrorSerializer, description="The body is not JSON (application/json), a form or a multipart form."
)


class ApiSchema(AutoSchema):
    def _is_list_view(self, serializer: Any = None) -> bool:
        # A viewset's `list` that answers one object (figures for a period) says so: not a page of records.
        if getattr(self.view, "answers_one_object", False):
            return False
        return bool(super()._is_list_view(serializer))

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        # Extends drf-spectacular's (pinned) private method: declared answers first, then the defaults.
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        defaults = {"403": FORBIDDEN_RESPONSE, "404": NOT_FOUND}
        if self.method in {"POST", "PUT", "PATCH"}:
            defaults |= {"400": INVALID_RESPONSE, "413": TOO_LARGE, "415": UNSUPPORTED_MEDIA_TYPE}
        for code, response in defaults.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
