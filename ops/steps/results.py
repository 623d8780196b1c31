"""What each step returns: a typed result, ``.ok`` and ``.to_json()`` (the state file it writes, key for
key). A step run with --dry-run changes nothing and returns None."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ops.results import Result, optional

Images = dict[str, dict[str, str]]  # service → {"ref": the reference it was started from, "id": the image id}


@dataclass(kw_only=True)
class StagingDeployment(Result):
    """deploy-staging (staging/state/deploy.json)."""

    images: Images
    new_images: dict[str, str]
    gateway_url: str
    tls: str
    up_seconds: float

    @property
    def ok(self) -> bool:
        return True  # a stack that is not healthy raises


@dataclass(kw_only=True)
class StagingMigration(Result):
    """migrate-to-staging (staging/state/migration.json): the backup, T0, and the verified migration."""

    migration_id: str
    t0: str
    archive: str
    sha256: str
    documents: int
    verify_ok: bool
    uploads: dict[str, int]  # staging's uploads volume → files copied
    migration_report: str  # on the server
    verify_report: str

    @property
    def ok(self) -> bool:
        return self.verify_ok


@dataclass(kw_only=True)
class Validation(Result):
    """validate (<env>/state/validation-<env>.json)."""

    env: str
    migration_id: str | None
    passed: bool
    exit_code: int
    summary: str
    phases: dict[str, dict]  # "checks" and "load": each pytest invocation's exit code, summary, seconds, junit
    junit: str
    allure_results: str
    started_at: str
    finished_at: str

    @property
    def ok(self) -> bool:
        return self.passed


@dataclass(kw_only=True)
class Snapshot(Result):
    """capture: the pre-switch snapshot on the server."""

    name: str
    directory: str
    documents: int
    manifest: str

    @property
    def ok(self) -> bool:
        return True


@dataclass(kw_only=True)
class SwitchReport(Result):
    """switch (production/state/switch.json), written at every stage: where it stands, then its figures."""

    snapshot: str
    t0: str
    seconds: dict[str, float] = field(default_factory=dict)  # stage → seconds it took
    images_before: Images = field(default_factory=dict)
    tls: str = ""
    stages: list[dict[str, str]] = field(default_factory=list)  # every stage entered, with its status and time
    stage: str | None = optional()
    status: str | None = optional()  # running, restoring, done, restored, restore-failed, stopped-before-freeze
    prepare: dict[str, Any] | None = optional()
    catch_up: dict[str, Any] | None = optional()
    delta: dict[str, Any] | None = optional()
    counts_report: str | None = optional()
    failed_stage: str | None = optional()
    error: str | None = optional()
    restore: str | None = optional()
    downtime_s: float | None = optional()
    gateway_url: str | None = optional()
    probe_writes: list[dict[str, str]] | None = optional()
    probe_throttled: int | None = optional()
    images_after: Images | None = optional()
    staging: str | None = optional()
    finished_at: str | None = optional()

    @property
    def ok(self) -> bool:
        return self.status == "done"


@dataclass(kw_only=True)
class RollbackReport(Result):
    """rollback (production/state/rollback.json)."""

    snapshot: str
    collections: int
    documents: int
    restored_equals_snapshot: bool
    env_restored: bool
    images: Images
    images_differing_from_snapshot: list[str]

    @property
    def ok(self) -> bool:
        return self.restored_equals_snapshot and self.env_restored and not self.images_differing_from_snapshot


@dataclass(kw_only=True)
class Teardown(Result):
    """teardown-staging: what was removed."""

    removed: list[str]

    @property
    def ok(self) -> bool:
        return True
