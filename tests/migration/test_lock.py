"""One writing run at a time per target: a lock in the target names its owner; a dead owner's lock
is taken over; T0 is recorded only by the run that finishes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime

from ops.migration.engine import migrate
from ops.migration.plan import META_COLLECTION
from tests.migration.conftest import database, run_cli

T1, T2 = datetime(2026, 1, 25, 21, 34, 16), datetime(2026, 1, 20, 8, 0, 0)


def _start(source: str, target: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ops", "migrate", "--source", source, "--target", target, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for(process: subprocess.Popen, target: str, found) -> None:
    meta = database(target)[META_COLLECTION]
    deadline = time.monotonic() + 120
    while not found(meta) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # poll interval
    assert process.poll() is None, "the run ended before the point the test waits for"


def _dead_pid() -> int:
    gone = subprocess.Popen(["true"])
    gone.wait()
    return gone.pid


def test_a_second_migrate_is_refused_while_the_first_runs_and_the_first_keeps_its_t0(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    first = _start(source, target, "--t0", T1.isoformat())
    _wait_for(first, target, lambda meta: meta.find_one({"_id": "lock"}))
    first.send_signal(signal.SIGSTOP)  # held mid-run, so the second surely meets it
    try:
        second = run_cli("migrate", "--source", source, "--target", target, "--t0", T2.isoformat())
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(120) == 0, first.stderr.read()
    assert second.returncode == 2
    assert "Traceback" not in second.stderr
    assert f"is in use by migrate (pid {first.pid} on {socket.gethostname()}" in second.stderr
    meta = database(target)[META_COLLECTION]
    assert meta.find_one({"_id": "run"})["t0"] == T1
    assert meta.find_one({"_id": "lock"}) is None


def test_the_lock_of_a_dead_run_on_this_host_is_taken_over_and_said(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    dead = _dead_pid()
    database(target)[META_COLLECTION].insert_one({"_id": "lock", "verb": "migrate", "host": socket.gethostname(),
                                                  "pid": dead, "process_start": "1", "started_at": T2})
    result = run_cli("migrate", "--source", source, "--target", target)
    assert result.returncode == 0, result.stderr
    assert f"taking over the lock of target {database(target).name!r} from migrate (pid {dead}" in result.stderr
    assert database(target)[META_COLLECTION].find_one({"_id": "lock"}) is None


def test_a_lock_held_from_another_host_is_refused_with_how_to_clear_it(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    database(target)[META_COLLECTION].insert_one({"_id": "lock", "verb": "delta", "host": "elsewhere",
                                                  "pid": os.getpid(), "started_at": T2})
    result = run_cli("migrate", "--source", source, "--target", target)
    assert result.returncode == 2
    assert "in use by delta" in result.stderr and "on elsewhere" in result.stderr
    assert 'delete the document {_id: "lock"}' in result.stderr
    assert database(target)[META_COLLECTION].count_documents({}) == 1  # the lock only: nothing written


def test_t0_is_recorded_only_by_the_run_that_finishes(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    assert migrate(source, target, t0=T1).ok
    killed = _start(source, target, "--t0", T2.isoformat())
    _wait_for(killed, target, lambda meta: meta.find_one({"_id": "run", "status": "running"}))
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    assert database(target)[META_COLLECTION].find_one({"_id": "run"})["t0"] == T1
    assert migrate(source, target).ok  # takes over the dead run's lock
    assert database(target)[META_COLLECTION].find_one({"_id": "run"})["t0"] == T1
