from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit import context


class RequestContextMiddleware:
    """Gives every request an id (echoed in X-Request-ID) and the client address for the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_context = context.build(request)
        request.request_id = request_context.request_id
        token = context.current.set(request_context)
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response.headers["X-Request-ID"] = request_context.request_id
        return response
