"""The one domain exception type, shared by views, the API and the sockets.

Services raise ``DomainError(code, message)``; the API turns it into a JSON
error, the consumer into an ``error`` frame, views into a form error or a
message. ``message`` is already translated (use ``gettext`` at raise time).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), **self.extra}


class PermissionDeniedError(DomainError):
    status = 403

    def __init__(self, message: str, code: str = "forbidden", **extra: Any) -> None:
        super().__init__(code, message, **extra)


class NotFoundError(DomainError):
    status = 404

    def __init__(self, message: str, code: str = "not_found", **extra: Any) -> None:
        super().__init__(code, message, **extra)
