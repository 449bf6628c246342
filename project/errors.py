"""The one domain exception type, shared by views, the API and the sockets.

Every service raises ``DomainError(code, message, field=...)`` or one of its two
subclasses, with the same arguments in the same order: a stable ``code`` for
machines, a ``message`` already translated (``gettext`` at raise time) for
people, and the form ``field`` it concerns when there is one. The API turns it
into a JSON error (``as_dict``), the consumer into an ``error`` frame, views
into a form error with :func:`add_form_error`.
"""

from __future__ import annotations

from typing import Any

from django import forms


class DomainError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        status: int | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": str(self.message), **self.extra}
        if self.field:
            data["field"] = self.field
        return data


class PermissionDeniedError(DomainError):
    status = 403


class NotFoundError(DomainError):
    status = 404


def add_form_error(form: forms.BaseForm, error: DomainError, *, field: str | None = None) -> None:
    """Show ``error`` on ``form``: on its field when the form has it, above the form otherwise.

    ``field`` overrides the error's own (a form whose field is named differently
    from the service's argument).
    """
    name = field or error.field
    form.add_error(name if name in form.fields else None, error.message)
