"""The one domain error type.

Services raise ``DomainError`` (or a subclass); the API turns it into
``{"detail", "code", "errors"}`` with its status and the pages turn it into a
form error. Nothing else decides what a broken rule looks like.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class DomainError(Exception):
    detail: str
    code: str = "invalid"
    errors: list[FieldError] = field(default_factory=list)
    status: int = 422

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, object]:
        return {
            "detail": self.detail,
            "code": self.code,
            "errors": [e.as_dict() for e in self.errors],
        }

    def for_field(self, name: str) -> list[str]:
        return [e.message for e in self.errors if e.field == name]


def invalid(field_name: str, message: str, code: str = "invalid") -> DomainError:
    """A 422 about one field: the message names the field so a person can act on it."""
    return DomainError(f"{field_name}: {message}", code=code, errors=[FieldError(field_name, message)])


def conflict(detail: str, code: str = "conflict", field_name: str | None = None) -> DomainError:
    errors = [FieldError(field_name, detail)] if field_name else []
    return DomainError(detail, code=code, errors=errors, status=409)


def not_found(what: str, field_name: str | None = None) -> DomainError:
    errors = [FieldError(field_name, f"{what} does not exist")] if field_name else []
    return DomainError(f"{what} not found", code="not_found", errors=errors, status=404)


def forbidden(detail: str = "Your role may not do this.") -> DomainError:
    return DomainError(detail, code="forbidden", status=403)


def collect(errors: list[FieldError]) -> None:
    """Raise one 422 carrying every field error found, so a form shows them all at once."""
    if errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        raise DomainError(detail, code="invalid", errors=errors)
