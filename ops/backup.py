"""Dumps and restores with the database's own tools, checksummed, described by a record beside them.

``mongodump``/``mongorestore`` run inside the database container (``docker exec``), as the original
scripts did, and stream the archive through the host into a host file: nothing is left in the
container's writable layer. A restore always maps namespaces explicitly (``--nsFrom``/``--nsTo``),
so the data lands in the database meant, whatever database the archive came from.

The caller makes a dump consistent by stopping the writers first, or by recording T0 *before* the
dump starts so that the delta re-applies anything written while it ran (upserts are idempotent).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from ops.errors import OpsError
from ops.host import Host

DUMP_TIMEOUT_S = 3600
# Dates are stored to the millisecond and ObjectIds to the second: a write in T0's own second must count as after it.
CLOCK_MARGIN = timedelta(seconds=2)


@dataclass
class BackupRecord:
    """What a dump was: where, its checksum, when T0 was, what it held. Saved as ``<archive>.json``."""

    archive: str
    sha256: str
    container: str
    database: str
    t0: str
    finished_at: str
    collections: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def documents(self) -> int:
        return sum(int(c["count"]) for c in self.collections.values())

    def save(self, host: Host) -> str:
        path = self.archive + ".json"
        host.write_text(path, json.dumps(asdict(self), indent=2), mode="600")
        return path

    @classmethod
    def load(cls, host: Host, archive: str) -> BackupRecord:
        if not host.exists(archive + ".json"):
            raise OpsError(f"no backup record beside {archive} (expected {archive}.json)")
        try:
            return cls(**json.loads(host.read_text(archive + ".json")))
        except (ValueError, TypeError) as exc:
            raise OpsError(f"the backup record {archive}.json is not readable ({exc}): it was not written by "
                           "this tool, or was cut short") from None


def dump(host: Host, container: str, database: str, archive: str) -> BackupRecord:
    """``mongodump --db DATABASE --archive --gzip`` in ``container`` into the host file ``archive`` (0600).
    T0 is taken on the server's clock before the dump starts, less a margin (the delta re-applies what it
    covers twice; it must miss nothing). ``collections`` is left for the caller to fill."""
    t0 = host.clock() - CLOCK_MARGIN
    directory = archive.rsplit("/", 1)[0]
    host.run("mkdir -p %s && umask 077 && docker exec %s mongodump --quiet --db=%s --archive --gzip > %s.part "
             "&& mv -f %s.part %s", directory, container, database, archive, archive, archive,
             timeout=DUMP_TIMEOUT_S)
    return BackupRecord(archive=archive, sha256=host.sha256(archive), container=container, database=database,
                        t0=t0.isoformat(), finished_at=datetime.now(UTC).isoformat())


def restore(host: Host, container: str, archive: str, source_db: str, target_db: str) -> None:
    """Replace ``target_db`` in ``container`` with the archive's ``source_db`` (collections dropped first)."""
    host.run("docker exec -i %s mongorestore --quiet --archive --gzip --drop --nsInclude=%s --nsFrom=%s --nsTo=%s "
             "< %s", container, f"{source_db}.*", f"{source_db}.*", f"{target_db}.*", archive,
             timeout=DUMP_TIMEOUT_S)


def verify_checksum(host: Host, record: BackupRecord) -> None:
    actual = host.sha256(record.archive)
    if actual != record.sha256:
        raise OpsError(f"backup {record.archive} is corrupt: sha256 {actual[:16]}… "
                       f"≠ recorded {record.sha256[:16]}…")
