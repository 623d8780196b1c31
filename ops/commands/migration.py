"""`meeshy-ops legacy-data`, `migrate`, `verify`, `delta`: the migration engine's commands."""

from __future__ import annotations

commands: list = []
