"""The switch's record on the server (``state/switch.json``): its report, and the stage it stands at.

Written at every stage, so that a switch killed or cut off mid-way leaves where it stood: ``switch
--resume`` and the operator read it. Beside it, the .env production ran before the switch (0600): the
one thing a resume needs that the switch would otherwise hold only in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ops.config.site import Site
from ops.errors import OpsError
from ops.steps.results import SwitchReport


class SwitchRecord:
    def __init__(self, site: Site, report: SwitchReport) -> None:
        self.site, self.report = site, report

    @property
    def path(self) -> str:
        return f"{self.site.production.state_dir}/switch.json"

    @property
    def old_env_file(self) -> str:
        return f"{self.site.production.state_dir}/switch-pre.env"

    @classmethod
    def load(cls, site: Site) -> SwitchRecord:
        record = cls(site, SwitchReport(snapshot="", t0=""))
        recorded = site.read_state(record.path)
        if not recorded:
            raise OpsError(f"no switch recorded on this server ({record.path})")
        try:
            record.report = SwitchReport.from_json(recorded)
        except TypeError as exc:
            raise OpsError(f"the switch record {record.path} is not one this tool wrote ({exc})") from None
        return record

    def enter(self, stage: str, status: str = "running", *, best_effort: bool = False) -> None:
        self.report.stages.append({"stage": stage, "status": status, "at": datetime.now(UTC).isoformat()})
        self.report.stage, self.report.status = stage, status
        self.save(best_effort)

    def finish(self, status: str, *, best_effort: bool = False, **fields) -> None:
        for name, value in fields.items():
            if not hasattr(self.report, name):
                raise AttributeError(f"a switch report has no {name!r}")
            setattr(self.report, name, value)
        self.report.status, self.report.finished_at = status, datetime.now(UTC).isoformat()
        self.save(best_effort)

    def save(self, best_effort: bool = False) -> None:
        """Write the record. ``best_effort`` while bringing production back: a record that cannot be
        written (a full disk, the link lost) is said, and must not stop the restore."""
        try:
            self.site.write_state(self.path, self.report.to_json())
        except OpsError as exc:
            if not best_effort:
                raise
            self.site.echo(f"the switch's record {self.path} could not be written ({exc}); it would say: stage "
                           f"'{self.report.stage}', status '{self.report.status}'")
