"""The public JSON API at /api/v1/: one NinjaAPI, one router per app.

Errors always have the shape ``{"detail", "code", "errors": [{"field",
"message"}]}`` (API.md); a bug is a 500, bad input never is.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from accounts.api import router as accounts_router
from accounts.api_auth import KeyAuth, SessionActorAuth
from assignment.api import router as assignment_router
from bookings.api import router as bookings_router
from calls.api import router as calls_router
from catalog.api import router as catalog_router
from core.api import error_body as _body
from core.errors import DomainError
from customers.api import router as customers_router
from hours.api import router as hours_router
from jobs.api import router as jobs_router
from leads.api import router as leads_router
from messaging.api import router as messaging_router
from notifications.api import router as notifications_router
from ops.outage import api_unavailable
from reports.api import router as reports_router
from scheduling.api import router as scheduling_router
from telephony.api import hooks as telephony_hooks
from telephony.api import router as integrations_router


class LeadlineAPI(NinjaAPI):
    """Django Ninja's API with its OpenAPI document built once per process.

    The document follows from the code alone (routers, schemas, auth), yet
    Ninja builds it anew for every ``GET /api/v1/openapi.json``: about 1.2 s of
    CPU for our ~70 paths and ~700 schemas, which anyone may ask for (the
    docs page does, and the document is public). It is kept per path prefix
    from the first build; callers read it and must not change it (the view
    only serialises it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._documents: dict[str, OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        document = self._documents.get(path_prefix)
        if document is None:
            document = self._documents[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return document


api = LeadlineAPI(
    title="Leadline API",
    version="1",
    description=(
        "Lead capture, follow-up and booking for home-service companies. "
        "Authenticate with `Authorization: Bearer <key>`; creating POSTs accept an "
        "`Idempotency-Key` header. Errors are `{detail, code, errors: [{field, message}]}`."
    ),
    auth=[KeyAuth(), SessionActorAuth()],
    urls_namespace="api",
    # Swagger UI from Leadline's own static files ("ninja" in INSTALLED_APPS),
    # never a CDN; no validator badge (an image from another host).
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    # Ninja prefixes where the value came from and the handler's parameter name.
    if parts and parts[0] in {"body", "query", "path", "header", "form", "cookie"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "filters", "data", "query"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        field = _field_path(err.get("loc", ()))
        message = str(err.get("msg", "is not valid"))
        if err.get("type") == "missing":
            message = "is required"
        errors.append({"field": field, "message": message})
    if (
        errors
        and all(e["field"] == "body" for e in errors)
        and any("json" in e["message"].lower() for e in errors)
    ):
        return api.create_response(
            request, _body("The body is not valid JSON.", "malformed", errors), status=400
        )
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "The request is not valid."
    return api.create_response(request, _body(detail, "invalid", errors), status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        _body("Missing or invalid API key. Send `Authorization: Bearer <key>`.", "unauthorized"),
        status=401,
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "malformed", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "error"
    )
    return api.create_response(request, _body(str(exc), code), status=exc.status_code)


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # An id or number beyond 64 bits: the caller's input, never our fault.
    return api.create_response(
        request, _body("A number in the request is out of range.", "out_of_range"), status=422
    )


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # PostgreSQL refuses values its columns cannot hold (a number out of range,
    # text longer than the column) that SQLite would take: bad input either way.
    return api.create_response(
        request, _body("A value in the request does not fit its field.", "out_of_range"), status=422
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database does not answer (API.md v1.1 "Operations"): a 503 the caller may retry.
    return api_unavailable(request, exc)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, _body(str(exc) or "Not found.", "not_found"), status=404)


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE; say so in the API's own shape.
    return api.create_response(
        request, _body("The request body is larger than this server accepts.", "too_large"), status=413
    )


for router in (
    catalog_router,
    hours_router,
    scheduling_router,
    accounts_router,
    customers_router,
    jobs_router,
    leads_router,
    calls_router,
    bookings_router,
    assignment_router,
    reports_router,
    notifications_router,
    integrations_router,
    messaging_router,
    telephony_hooks,
):
    api.add_router("/", router)
