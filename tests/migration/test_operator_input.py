"""What an unlucky operator types or meets, for migrate, verify and delta: one line on stderr, exit 2,
nothing written (checked before the first write), never a traceback, never a secret."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ops.config import MASK
from ops.host.ports import free_port
from ops.migration.plan import META_COLLECTION
from rehearsal.embedded_db import ensure_ferretdb, wait_until_answers
from tests.migration.conftest import database, run_cli, state

T0 = "2026-01-25 21:34:16"


def _one_line(result, *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


def _usage_error(result, phrase: str) -> None:
    """click's refusal of an option's value: its usage lines, then the error on one line."""
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert phrase in result.stderr.strip().splitlines()[-1], result.stderr


def _migrated(source: str, target: str) -> None:
    assert run_cli("migrate", "--source", source, "--target", target, "--t0", T0).returncode == 0


def _in_read_only_place(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """meeshy-ops with a read-only filesystem mounted at tmp_path/ro, in a mount namespace of its own
    (nothing outlives the command)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("needs unshare -m (root) to mount a read-only filesystem")
    place = tmp_path / "ro"
    place.mkdir()
    script = f'mount -t tmpfs -o ro tmpfs "{place}" && exec "$0" -m ops "$@"'
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, sys.executable, *args],
                          capture_output=True, text=True, timeout=300)


def test_a_report_that_is_a_directory_is_refused_before_anything_is_written(legacy, db_url, tmp_path):
    source, _ = legacy
    target = db_url("target")
    result = run_cli("migrate", "--source", source, "--target", target, "--report", str(tmp_path))
    _one_line(result, "is a directory")
    assert database(target).list_collection_names() == []
    _migrated(source, target)
    before = state(target)
    for verb in ("verify", "delta"):
        _one_line(run_cli(verb, "--source", source, "--target", target, "--report", str(tmp_path)), "is a directory")
    assert state(target) == before


def test_a_report_in_a_read_only_place_is_refused_before_anything_is_written(legacy, db_url, tmp_path):
    source, _ = legacy
    target = db_url("target")
    report = str(tmp_path / "ro" / "report.json")
    _one_line(_in_read_only_place(tmp_path, "migrate", "--source", source, "--target", target, "--report", report),
              "cannot write the report", "read-only")
    assert database(target).list_collection_names() == []


def test_a_full_disk_for_the_report_is_one_line_and_the_run_is_recorded(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    result = run_cli("migrate", "--source", source, "--target", target, "--report", "/dev/full")  # ENOSPC
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "error: the migration succeeded, but its report /dev/full " \
                                                     "could not be written: No space left on device"
    assert database(target)[META_COLLECTION].find_one({"_id": "run"})["status"] == "done"


def test_a_database_name_with_a_dot_is_refused(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    dotted = target + ".name"
    _one_line(run_cli("migrate", "--source", source, "--target", dotted), "cannot contain '.'")
    assert database(target).list_collection_names() == []


def test_an_authentication_failure_is_reported_as_such(legacy, db_url):
    source, _ = legacy
    with_password = db_url("target").replace("mongodb://", "mongodb://admin:Wr0ng-pass@")
    result = run_cli("migrate", "--source", source, "--target", with_password)
    _one_line(result, "authentication failed", f"mongodb://admin:{MASK}@")
    assert "does not answer" not in result.stderr and "Wr0ng-pass" not in result.stderr


def test_secret_query_options_are_masked_in_error_lines(legacy, db_url):
    source, _ = legacy
    url = db_url("target") + "?tls=true&tlsCertificateKeyFilePassword=Key-S3cret&authMechanismProperties=" \
                             "AWS_SESSION_TOKEN:Tok-S3cret&serverSelectionTimeoutMS=500"
    result = run_cli("migrate", "--source", source, "--target", url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Key-S3cret" not in result.stderr and "Tok-S3cret" not in result.stderr, result.stderr


def test_a_t0_in_the_future_is_refused(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    _usage_error(run_cli("migrate", "--source", source, "--target", target, "--t0", future), "is in the future")
    assert database(target).list_collection_names() == []
    _migrated(source, target)
    before = state(target)
    _usage_error(run_cli("delta", "--source", source, "--target", target, "--since", future), "is in the future")
    assert state(target) == before


def test_a_negative_reject_threshold_is_refused(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    _usage_error(run_cli("migrate", "--source", source, "--target", target, "--reject-threshold", "-1"),
                 "'--reject-threshold': -1 is not in the range x>=0")
    assert database(target).list_collection_names() == []


def test_the_t0_migrate_to_staging_records_is_accepted_by_t0_and_since(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    recorded = "2026-01-25T21:34:16.123456+00:00"  # datetime.now(UTC).isoformat(), as the backup record keeps it
    assert run_cli("migrate", "--source", source, "--target", target, "--t0", recorded).returncode == 0
    assert database(target)[META_COLLECTION].find_one({"_id": "run"})["t0"] == datetime(2026, 1, 25, 21, 34, 16,
                                                                                          123000)
    result = run_cli("delta", "--source", source, "--target", target, "--since", "2026-01-25T22:34:16+01:00")
    assert result.returncode == 0, result.stderr
    assert "delta since 2026-01-25T21:34:16 " in result.stderr


@pytest.fixture
def server_on_a_tiny_disk(tmp_path):
    """A FerretDB whose data lives on a 300 KB tmpfs, mounted in a mount namespace of its own."""
    binary = ensure_ferretdb()
    if binary is None or shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"]).returncode:
        pytest.skip("needs FerretDB and unshare -m (root) to mount a tiny filesystem")
    disk, port = tmp_path / "disk", free_port()
    disk.mkdir()
    script = (f'mount -t tmpfs -o size=300k tmpfs "{disk}" && exec "{binary}" --handler=sqlite '
              f'--sqlite-url=file:{disk}/ --listen-addr=127.0.0.1:{port} --state-dir={disk} --debug-addr=- '
              "--telemetry=disable --log-level=error")
    server = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                              env={**os.environ, "DO_NOT_TRACK": "1"}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"mongodb://127.0.0.1:{port}/"
    try:
        wait_until_answers(url, 20, server)
        yield url
    finally:
        server.kill()  # sh exec'd into FerretDB: this is its pid
        server.wait(10)


def test_a_database_whose_disk_fills_up_mid_run_is_one_line(legacy, server_on_a_tiny_disk):
    source, _ = legacy
    result = run_cli("migrate", "--source", source, "--target", server_on_a_tiny_disk + "full")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the database failed during the run: ") and "disk is full" in last, last
