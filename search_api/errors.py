"""One error type for the API: every failure leaves as JSON `{"error": {...}}` with a status."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict:
        err: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.details is not None:
            err["details"] = self.details
        return {"error": err}


def bad_request(message: str, param: str | None = None, **details: Any) -> ApiError:
    if param:
        details["param"] = param
    return ApiError(400, "invalid_parameter", message, details or None)


def error_body(status: int, code: str, message: str) -> dict:
    return {"error": {"status": status, "code": code, "message": message}}
