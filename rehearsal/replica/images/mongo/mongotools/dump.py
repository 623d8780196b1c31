"""mongodump, as documented (mongo-tools 100.x), against FerretDB through pymongo.

    mongodump [--uri=URI | --host=H --port=P] [--db=NAME [--collection=NAME]] [--query=JSON]
              [--archive[=FILE] | --out=DIR] [--gzip] [--excludeCollection=NAME]... [--quiet]

A database in the URI acts as --db. Without one, every database but `local` and `config` is dumped,
and `<db>.system.*` collections are skipped. `--archive` without a value writes the archive to stdout;
with --gzip the whole archive is gzipped. Directory output is the real layout: DIR/<db>/<coll>.bson
and <coll>.metadata.json (`.gz` with --gzip). mongodump has no --nsInclude (that is mongorestore's).
Accepted and ignored: -j, --readPreference, --forceTableScan, -v. Not available here: --oplog (a dump
consistent at one point of the oplog needs a snapshot read FerretDB cannot give) and --dumpDbUsersAndRoles.
"""

from __future__ import annotations

import gzip
import os
import struct
import sys
from collections.abc import Iterator

from bson import json_util
from pymongo.errors import PyMongoError

from mongotools.archive import CollectionMeta, Writer
from mongotools.common import (
    COMMON_OPTIONS,
    COMMON_SHORTS,
    FLAG,
    MULTI,
    OPTIONAL,
    VALUE,
    VERSION,
    Failure,
    UsageError,
    client,
    connection,
    run_tool,
)

OPTIONS = {
    **COMMON_OPTIONS, "archive": OPTIONAL, "out": VALUE, "gzip": FLAG, "query": VALUE, "queryFile": VALUE,
    "excludeCollection": MULTI, "excludeCollectionsWithPrefix": MULTI, "numParallelCollections": VALUE,
    "oplog": FLAG, "dumpDbUsersAndRoles": FLAG, "forceTableScan": FLAG, "viewsAsCollections": FLAG,
}
SHORTS = {**COMMON_SHORTS, "o": "out", "q": "query", "j": "numParallelCollections"}


def main(argv: list[str]) -> int:
    return run_tool("mongodump", argv, OPTIONS, SHORTS, _dump)


def _validate(parsed, conn) -> None:
    archive, out = parsed.get("archive"), parsed.get("out")
    query = parsed.get("query") or parsed.get("queryFile")
    checks = [
        (out == "-" and not conn.collection, "can only dump a single collection to stdout"),
        (conn.collection and not conn.db, "cannot dump a collection without a specified database"),
        (parsed.get("query") and not conn.collection, "cannot dump using a query without a specified collection"),
        (parsed.get("queryFile") and not conn.collection,
         "cannot dump using a queryFile without a specified collection"),
        (parsed.get("query") and parsed.get("queryFile"),
         "either query or queryFile can be specified as a query option, not both"),
        (query and parsed.get("forceTableScan"), "cannot use --forceTableScan when specifying --query"),
        (parsed.get("oplog") and (conn.db or conn.collection), "--oplog mode only supported on full dumps"),
        (parsed.get("excludeCollection") and conn.collection,
         "--collection is not allowed when --excludeCollection is specified"),
        (parsed.get("excludeCollection") and not conn.db, "--db is required when --excludeCollection is specified"),
        (parsed.get("excludeCollectionsWithPrefix") and not conn.db,
         "--db is required when --excludeCollectionsWithPrefix is specified"),
        (archive and out, "--out not allowed when --archive is specified"),
    ]
    for failed, message in checks:
        if failed:
            raise Failure(message)
    if parsed.get("oplog"):
        raise Failure("--oplog is not supported by the FerretDB stand-in (no snapshot read to dump at one point)")
    if parsed.get("dumpDbUsersAndRoles"):
        raise Failure("backing up users and roles is not supported by the FerretDB stand-in")


def _query(parsed) -> dict:
    text = parsed.get("query")
    if parsed.get("queryFile"):
        with open(str(parsed.get("queryFile"))) as f:
            text = f.read()
    if not text:
        return {}
    try:
        return json_util.loads(str(text))
    except (ValueError, TypeError) as exc:
        raise Failure(f"error parsing query as Extended JSON: {exc}") from None


def _collections(mongo, conn, parsed) -> list[tuple[str, dict]]:
    """(db, listCollections entry) of every collection to dump, in name order."""
    excluded = set(parsed.get("excludeCollection") or [])
    prefixes = tuple(parsed.get("excludeCollectionsWithPrefix") or [])
    dbs = [conn.db] if conn.db else [d for d in sorted(mongo.list_database_names()) if d not in ("local", "config")]
    found = []
    for db in dbs:
        for info in sorted(mongo[db].list_collections(), key=lambda i: i["name"]):
            name = info["name"]
            if info.get("type", "collection") != "collection" or name.startswith("system."):
                continue
            if conn.collection and name != conn.collection:
                continue
            if name in excluded or (prefixes and name.startswith(prefixes)):
                continue
            found.append((db, info))
    return found


def _metadata(mongo, db: str, info: dict) -> CollectionMeta:
    name = info["name"]
    indexes = []
    for spec in mongo[db][name].list_indexes():
        spec = dict(spec)
        spec.pop("ns", None)
        indexes.append(spec)
    uuid = info.get("info", {}).get("uuid")
    meta = {"options": info.get("options", {}), "indexes": indexes,
            "uuid": uuid.hex() if isinstance(uuid, bytes) else "", "collectionName": name, "type": "collection"}
    try:
        size = int(mongo[db].command("collStats", name).get("size", 0))
    except PyMongoError:
        size = 0
    text = json_util.dumps(meta, json_options=json_util.CANONICAL_JSON_OPTIONS)
    return CollectionMeta(db, name, text, size, "")


def _documents(mongo, db: str, name: str, query: dict) -> Iterator[bytes]:
    """Each document's raw BSON, never decoded."""
    for batch in mongo[db][name].find_raw_batches(query):
        offset = 0
        while offset < len(batch):
            size = struct.unpack_from("<i", batch, offset)[0]
            yield bytes(batch[offset:offset + size])
            offset += size


def _dump(parsed, log) -> int:
    conn = connection(parsed)
    if parsed.positional:
        raise UsageError("error parsing positional arguments: provide only one MongoDB connection string. "
                         "Connection strings must begin with mongodb:// or mongodb+srv:// schemes")
    _validate(parsed, conn)
    query = _query(parsed)
    mongo = client(conn)
    try:
        collections = _collections(mongo, conn, parsed)
        if conn.collection and not collections:
            log(f"collection {conn.db}.{conn.collection} does not exist, skipping")
        metas = [_metadata(mongo, db, info) for db, info in collections]
        if parsed.get("archive"):
            _to_archive(mongo, metas, query, str(parsed.get("archive")), bool(parsed.get("gzip")), log)
        else:
            _to_directory(mongo, metas, query, str(parsed.get("out") or "dump"), bool(parsed.get("gzip")), log)
    finally:
        mongo.close()
    return 0


def _to_archive(mongo, metas: list[CollectionMeta], query: dict, target: str, gz: bool, log) -> None:
    raw_out = sys.stdout.buffer if target == "-" else open(target, "wb")
    where = "archive on stdout" if target == "-" else f"archive '{target}'"
    out = gzip.GzipFile(fileobj=raw_out, mode="wb", compresslevel=6) if gz else raw_out
    try:
        writer = Writer(out, mongo.server_info().get("version", ""), VERSION)
        writer.prelude(metas)
        for meta in metas:
            log(f"writing {meta.db}.{meta.collection} to {where}")
            count = writer.collection(meta.db, meta.collection, _documents(mongo, meta.db, meta.collection, query))
            log(f"done dumping {meta.db}.{meta.collection} ({count} documents)")
    finally:
        if gz:
            out.close()
        raw_out.flush()
        if raw_out is not sys.stdout.buffer:
            raw_out.close()


def _to_directory(mongo, metas: list[CollectionMeta], query: dict, out: str, gz: bool, log) -> None:
    suffix = ".gz" if gz else ""
    for meta in metas:
        if out == "-":
            target = sys.stdout.buffer
        else:
            directory = os.path.join(out, meta.db)
            os.makedirs(directory, exist_ok=True)
            with _open(os.path.join(directory, f"{meta.collection}.metadata.json{suffix}"), gz) as f:
                f.write(meta.metadata.encode())
            path = os.path.join(directory, f"{meta.collection}.bson{suffix}")
            target = _open(path, gz)
        log(f"writing {meta.db}.{meta.collection} to {'stdout' if out == '-' else path}")
        count = 0
        try:
            for raw in _documents(mongo, meta.db, meta.collection, query):
                target.write(raw)
                count += 1
        finally:
            if target is not sys.stdout.buffer:
                target.close()
        log(f"done dumping {meta.db}.{meta.collection} ({count} documents)")
    if out == "-":
        sys.stdout.buffer.flush()


def _open(path: str, gz: bool):
    return gzip.open(path, "wb") if gz else open(path, "wb")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

