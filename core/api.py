"""The API's error shape, shared by every app's router (API.md):
``{"detail", "code", "errors": [{"field", "message"}]}``. The API itself,
its auth and its error handlers are assembled in ``config.api``."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[ErrorItem] = []


ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def responses(success: dict[int, Any]) -> dict[int, Any]:
    """An operation's documented responses: its own plus the error shape."""
    return {**ERROR_RESPONSES, **success}


def error_body(detail: str, code: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "code": code, "errors": errors or []}
