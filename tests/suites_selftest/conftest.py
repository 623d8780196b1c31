"""Fixtures of the suites' self-tests: a migrated database, and sandbox stacks over it.

The database is the legacy synthetic dataset (small scale) migrated by the real engine into the
Prisma shape, with the engine's migration and verification reports: exactly what an operator
points the staging suite at.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import pymongo
import pytest
from harness import env_file_text, fake_docker_path, restore_uploads

from rehearsal.embedded_db import Server
from sandbox import stack

LEGACY_SCALE = 0.02


@dataclass(frozen=True)
class Migrated:
    url: str
    reports: dict[str, Path]


def _engine_available() -> bool:
    return (
        importlib.util.find_spec("ops.migration.engine") is not None
        and importlib.util.find_spec("ops.migration.verify") is not None
    )


@pytest.fixture(scope="session")
def migrated(mongo_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Migrated:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")
    legacy_url = mongo_server.db_url(f"suites_legacy_{worker}")
    target_url = mongo_server.db_url(f"suites_target_{worker}")
    with pymongo.MongoClient(mongo_server.url) as client:
        client.drop_database(f"suites_legacy_{worker}")
        client.drop_database(f"suites_target_{worker}")
    reports_dir = tmp_path_factory.mktemp("reports")
    reports = {
        "migration": reports_dir / "migration-report.json",
        "dry_run": reports_dir / "dry-run-report.json",
        "verify": reports_dir / "verify-report.json",
    }
    if not _engine_available():
        pytest.skip("the migration engine (ops.migration.engine, ops.migration.verify) is not in the tree yet")
    from ops.migration.engine import migrate
    from ops.migration.verify import verify
    from rehearsal.legacy_data import generate

    with pymongo.MongoClient(legacy_url) as client:
        generate(client.get_default_database(), scale=LEGACY_SCALE, seed=42)
    migrate(legacy_url, target_url, dry_run=True, report_path=reports["dry_run"])
    migrate(legacy_url, target_url, report_path=reports["migration"])
    verify(legacy_url, target_url, report_path=reports["verify"])
    yield Migrated(target_url, reports)
    with pymongo.MongoClient(mongo_server.url) as client:
        client.drop_database(f"suites_legacy_{worker}")
        client.drop_database(f"suites_target_{worker}")


@pytest.fixture
def sandbox(migrated, tmp_path: Path):
    """Start a named stack over the migrated database; yields (info, env file, environment)."""
    started: list[str] = []

    def up(
        name: str,
        faults: tuple[str, ...] = (),
        extra: dict[str, str] | None = None,
        defects_off: tuple[str, ...] = (),
    ):
        # The real behaviour by default: every defect of d5983046 on, the real rate limits.
        info = stack.up(
            name, migrated.url, data="prisma", faults=faults, state_dir=tmp_path / "sandbox", defects_off=defects_off
        )
        started.append(name)
        restore_uploads(migrated.url, Path(info.uploads_dir))
        env_file = tmp_path / f".env.{name}"
        env_file.write_text(env_file_text(info, migrated.url, migrated.reports, extra))
        return env_file, fake_docker_path(tmp_path, Path(info.stack_dir) / "stack.json")

    yield up
    for name in started:
        stack.down(name, tmp_path / "sandbox")
