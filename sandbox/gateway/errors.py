"""Expected request failures, turned into the real gateway's error bodies by one middleware."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"success": False, "error": error, **extra}


def handler_error_body(status: int, message: str = "An unexpected error occurred") -> dict[str, Any]:
    """The body of the real gateway's global error handler for an error it does not name
    (server.ts:625-632, production): what a thrown statusCode or a serializer failure becomes."""
    from sandbox.gateway.serialize import iso
    from sandbox.shapes import now

    return {"error": "Internal Server Error", "message": message, "statusCode": status, "timestamp": iso(now())}
