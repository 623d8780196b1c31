"""Consistent dumps and restores, checksummed, with a manifest; and the proof that a restore is exact.

Two tools behind one interface:

- ``MongodumpTool`` for a real server: ``mongodump --archive --gzip`` run in a throw-away container
  on the database's network, writing into a host directory (never into a container's layer);
- ``PymongoArchiveTool`` for the rehearsal, where no mongodump exists: a gzipped stream of BSON
  records (collection, document), same role, same manifest.

The caller makes a dump consistent by stopping the writers first, or by recording T0 *before* the
dump starts so that the delta re-applies anything written while it ran (upserts are idempotent).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import bson
import pymongo

from ops.embedded_db import redact_url
from ops.errors import OpsError
from ops.host import Host

TIMEOUT_MS = 10_000


def db_name_of(url: str) -> str:
    name = pymongo.uri_parser.parse_uri(url).get("database")
    if not name:
        raise OpsError(f"the database URL {redact_url(url)} names no database")
    return name


def fingerprints(url: str) -> dict[str, dict[str, object]]:
    """Per collection: document count and a content hash independent of storage order."""
    out: dict[str, dict[str, object]] = {}
    with pymongo.MongoClient(url, serverSelectionTimeoutMS=TIMEOUT_MS) as client:
        db = client[db_name_of(url)]
        for name in sorted(db.list_collection_names()):
            digests = sorted(hashlib.sha256(bson.encode(doc)).digest() for doc in db[name].find())
            out[name] = {"count": len(digests), "sha256": hashlib.sha256(b"".join(digests)).hexdigest()}
    return out


def compare_fingerprints(expected: dict, actual: dict) -> list[str]:
    """Human-readable differences; empty when both sides hold the same documents."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if want is None or got is None:
            problems.append(f"{name}: {'missing after restore' if got is None else 'unexpected collection'}")
        elif want != got:
            problems.append(f"{name}: expected {want['count']} documents (hash {want['sha256'][:12]}), "
                            f"found {got['count']} (hash {got['sha256'][:12]})")
    return problems


@dataclass
class BackupRecord:
    """What a dump was: where, its checksum, when T0 was, what it held. Saved as ``<archive>.json``."""

    archive: str
    sha256: str
    tool: str
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
        return cls(**json.loads(host.read_text(archive + ".json")))


class BackupTool(Protocol):
    name: str

    def dump(self, host: Host, source_url: str, archive: str) -> BackupRecord: ...

    def restore(self, host: Host, archive: str, target_url: str) -> None: ...


def verify_checksum(host: Host, record: BackupRecord) -> None:
    actual = host.sha256(record.archive)
    if actual != record.sha256:
        raise OpsError(f"backup {record.archive} is corrupt: sha256 {actual[:16]}… "
                       f"≠ recorded {record.sha256[:16]}…")


class PymongoArchiveTool:
    """The rehearsal's mongodump: a gzipped BSON stream written locally, then put on the host."""

    name = "pymongo-archive"

    def dump(self, host: Host, source_url: str, archive: str) -> BackupRecord:
        t0 = datetime.now(UTC)
        database = db_name_of(source_url)
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / "dump.bson.gz"
            with pymongo.MongoClient(source_url, serverSelectionTimeoutMS=TIMEOUT_MS) as client, \
                    gzip.open(local, "wb", compresslevel=1) as out:
                db = client[database]
                for name in sorted(db.list_collection_names()):
                    indexes = [{"key": list(ix["key"].items()), "name": ix["name"],
                                "unique": ix.get("unique", False)}
                               for ix in db[name].list_indexes() if ix["name"] != "_id_"]
                    out.write(bson.encode({"collection": name, "indexes": indexes}))
                    for doc in db[name].find():
                        out.write(bson.encode({"c": name, "d": doc}))
            host.put(local, archive)
        record = BackupRecord(archive=archive, sha256=host.sha256(archive), tool=self.name, database=database,
                              t0=t0.isoformat(), finished_at=datetime.now(UTC).isoformat(),
                              collections=fingerprints(source_url))
        record.save(host)
        return record

    def restore(self, host: Host, archive: str, target_url: str) -> None:
        """Replace the target database's content with the archive's (drop first: idempotent)."""
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / "dump.bson.gz"
            host.get(archive, local)
            with pymongo.MongoClient(target_url, serverSelectionTimeoutMS=TIMEOUT_MS) as client, \
                    gzip.open(local, "rb") as stream:
                db = client[db_name_of(target_url)]
                for name in db.list_collection_names():
                    db.drop_collection(name)
                batch: list[dict] = []
                current = None
                for record in bson.decode_file_iter(stream):
                    if "collection" in record:
                        _flush(db, current, batch)
                        current = record["collection"]
                        db.create_collection(current)
                        for ix in record["indexes"]:
                            db[current].create_index(ix["key"], name=ix["name"], unique=ix["unique"])
                        continue
                    batch.append(record["d"])
                    if len(batch) >= 1000:
                        _flush(db, current, batch)
                _flush(db, current, batch)


def _flush(db, collection: str | None, batch: list[dict]) -> None:
    if collection and batch:
        db[collection].insert_many(batch, ordered=False)
    batch.clear()


class MongodumpTool:
    """A real server's dump: mongodump in a one-off container on the database network, archive on the host."""

    name = "mongodump"

    def __init__(self, network: str, image: str = "mongo:8.0") -> None:
        self.network, self.image = network, image

    def _docker(self, host: Host, archive: str, tool: str, uri: str, extra: str) -> None:
        directory, file = archive.rsplit("/", 1)
        host.run(f"docker run --rm --network %s -v %s:/backup %s {tool} --uri=%s "
                 f"--archive=/backup/%s --gzip {extra}",
                 self.network, directory, self.image, uri, file, timeout=3600)

    def dump(self, host: Host, source_url: str, archive: str) -> BackupRecord:
        t0 = datetime.now(UTC)
        self._docker(host, archive, "mongodump", source_url, "")
        record = BackupRecord(archive=archive, sha256=host.sha256(archive), tool=self.name,
                              database=db_name_of(source_url), t0=t0.isoformat(),
                              finished_at=datetime.now(UTC).isoformat(), collections=fingerprints(source_url))
        record.save(host)
        return record

    def restore(self, host: Host, archive: str, target_url: str) -> None:
        self._docker(host, archive, "mongorestore", target_url, "--drop")
