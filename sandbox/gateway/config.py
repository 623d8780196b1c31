"""Settings of one gateway process."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.defects import Defects
from sandbox.faults import Faults


@dataclass
class GatewayConfig:
    mongodb_url: str
    jwt_secret: str
    translator_url: str
    uploads_dir: Path
    data: str = "prisma"
    faults: Faults = field(default_factory=Faults)
    defects: Defects | None = None  # None: every defect of the version, on
    # The real login limiter (new version only): 5 requests per 15 min per address + the first 3
    # characters of the username. The global limiter: 300 per minute per address; None turns it off.
    login_limit: int = 5
    login_window_s: float = 900.0
    global_rate: tuple[int, float] | None = (300, 60.0)
    # How long the gateway waits for one translation before giving up on it.
    translate_deadline_s: float = 5.0
    db_timeout_ms: int = 2000


def parse_rate(text: str) -> tuple[int, float]:
    """ "5/900" → (5, 900.0): a limit of requests per window in seconds."""
    limit, _, window = text.partition("/")
    return int(limit), float(window or 900)


def api_prefix(data: str) -> str:
    """The old production serves its routes under /api, the new version under /api/v1 only."""
    return "/api" if data == "legacy" else "/api/v1"
