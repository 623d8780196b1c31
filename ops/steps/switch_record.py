"""The switch's record on the server (``state/switch.json``): its report, and the stage it stands at.

Written at every stage, so that a switch killed or cut off mid-way leaves where it stood: ``switch
--resume`` and the operator read it. Beside it, the .env production ran before the switch (0600): the
one thing a resume needs that the switch would otherwise hold only in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ops.config.site import Site
from ops.errors import OpsError


class SwitchRecord:
    def __init__(self, site: Site, data: dict) -> None:
        self.site, self.data = site, data

    @property
    def path(self) -> str:
        return f"{self.site.production.state_dir}/switch.json"

    @property
    def old_env_file(self) -> str:
        return f"{self.site.production.state_dir}/switch-pre.env"

    @classmethod
    def load(cls, site: Site) -> SwitchRecord:
        record = cls(site, {})
        record.data = site.read_state(record.path)
        if not record.data:
            raise OpsError(f"no switch recorded on this server ({record.path})")
        return record

    def enter(self, stage: str, status: str = "running") -> None:
        history = self.data.setdefault("stages", [])
        history.append({"stage": stage, "status": status, "at": datetime.now(UTC).isoformat()})
        self.data.update({"stage": stage, "status": status})
        self.site.write_state(self.path, self.data)

    def finish(self, status: str, **fields) -> None:
        self.data.update(fields, status=status, finished_at=datetime.now(UTC).isoformat())
        self.site.write_state(self.path, self.data)
