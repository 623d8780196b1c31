"""Settings of one gateway process."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.faults import Faults


@dataclass
class GatewayConfig:
    mongodb_url: str
    jwt_secret: str
    translator_url: str
    uploads_dir: Path
    data: str = "prisma"
    faults: Faults = field(default_factory=Faults)
    # The real login limiter: 5 requests per 15 min per IP + first 3 characters of the username.
    login_limit: int = 5
    login_window_s: float = 900.0
    # How long the gateway waits for one translation before giving up on it.
    translate_deadline_s: float = 5.0
    db_timeout_ms: int = 2000


def parse_rate(text: str) -> tuple[int, float]:
    """ "5/900" → (5, 900.0): a limit of requests per window in seconds."""
    limit, _, window = text.partition("/")
    return int(limit), float(window or 900)
