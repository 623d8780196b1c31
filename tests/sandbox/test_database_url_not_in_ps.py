"""The sandbox's processes get the database URL (which may hold a password) from their environment,
never on their command line, which `ps` shows to every user of the machine."""

from __future__ import annotations

from pathlib import Path


def test_no_sandbox_process_has_the_database_url_on_its_command_line(fresh_sandbox):
    sandbox = fresh_sandbox("prisma")
    assert sandbox.info.pids  # the stack is up, its gateway healthy: it read its database
    for service, pid in sandbox.info.pids.items():
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert sandbox.db_url not in cmdline and "mongodb://" not in cmdline, f"{service}: {cmdline}"
