"""One writing run (migrate, delta) at a time per target: a lock document in the target's metadata
collection, naming its owner (verb, host, pid, start). The insert of a fixed ``_id`` is atomic, so of
two runs exactly one gets it. A lock whose owner is a dead process of this host (a run killed with
kill -9, a machine that rebooted) is taken over, and the operator is told; a lock held by another
host cannot be checked from here and is only reported.

>>> with target_lock(target, "migrate"):
...     ...
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from ops.errors import OpsError
from ops.migration import progress
from ops.migration.plan import META_COLLECTION

LOCK_ID = "lock"


def process_start(pid: int) -> str | None:
    """When the process started (clock ticks since boot, /proc/PID/stat field 22): tells a reused pid
    apart. None when no such process exists."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def owner_alive(owner: dict) -> bool | None:
    """Whether the lock's owner still runs; None when it runs on another host (cannot be known here)."""
    if owner.get("host") != socket.gethostname():
        return None
    started = process_start(int(owner.get("pid", 0)))
    return started is not None and started == owner.get("process_start", started)


def describe(owner: dict) -> str:
    started = owner.get("started_at")
    when = f"{started:%Y-%m-%d %H:%M:%S} UTC" if isinstance(started, datetime) else "at an unknown time"
    return f"{owner.get('verb', 'a run')} (pid {owner.get('pid')} on {owner.get('host')}, started {when})"


@contextmanager
def target_lock(target: Database, verb: str) -> Iterator[None]:
    meta = target[META_COLLECTION]
    me = {"_id": LOCK_ID, "verb": verb, "host": socket.gethostname(), "pid": os.getpid(),
          "process_start": process_start(os.getpid()), "started_at": datetime.now(UTC).replace(tzinfo=None)}
    try:
        meta.insert_one(me)
    except DuplicateKeyError:
        holder = meta.find_one({"_id": LOCK_ID}) or {}
        alive = owner_alive(holder) if holder else False
        if alive or alive is None:
            hint = "" if alive else (f"; if it is no longer running, delete the document {{_id: \"lock\"}} "
                                     f"of {META_COLLECTION} in {target.name!r}")
            raise OpsError(f"target {target.name!r} is in use by {describe(holder)}: one run at a time{hint}") \
                from None
        if holder:
            meta.delete_one({k: holder[k] for k in ("_id", "host", "pid", "started_at") if k in holder})
            progress.say(f"taking over the lock of target {target.name!r} from {describe(holder)}: "
                         "that process is gone")
        try:
            meta.insert_one(me)
        except DuplicateKeyError as exc:
            raise OpsError(f"target {target.name!r} was just locked by another run: one run at a time") from exc
    mine = {"_id": LOCK_ID, "host": me["host"], "pid": me["pid"]}
    try:
        yield
    except BaseException:
        try:
            meta.delete_one(mine)
        except PyMongoError:
            pass  # the run's own error says more; the lock, its owner gone, is taken over next time
        raise
    meta.delete_one(mine)
