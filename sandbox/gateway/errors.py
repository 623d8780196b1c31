"""Expected request failures, turned into the real gateway's error bodies by one middleware."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"success": False, "error": error, **extra}
