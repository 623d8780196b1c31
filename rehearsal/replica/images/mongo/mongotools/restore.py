"""mongorestore, as documented (mongo-tools 100.x), against FerretDB through pymongo.

    mongorestore [--uri=URI | --host=H --port=P] [--archive[=FILE] | DIR | --dir=DIR] [--gzip] [--drop]
                 [--nsInclude=P]... [--nsExclude=P]... [--nsFrom=P --nsTo=P]... [--db=NAME [--collection=NAME]]
                 [--noIndexRestore] [--noOptionsRestore] [--stopOnError] [--dryRun] [--quiet]

The real tool's semantics, kept on purpose:
- without a rename, documents go back to the namespace they were dumped from;
- a database named in the URI (or --db) is an *include filter* on the dumped namespaces (`db.*`), not a
  destination: restoring an archive of `meeshy` with `--uri=mongodb://h/staging` restores nothing;
  `--nsFrom='meeshy.*' --nsTo='staging.*'` with a URI that names no database is the way to rename;
- --drop drops each restored collection (only those in the dump) before restoring it;
- restore is insert-only: a document whose _id exists fails (duplicate key) and the run goes on and
  exits 0, counting it under "failed to restore", unless --stopOnError;
- indexes are built from the dump's metadata after the documents.
With a directory, --db restores the .bson files directly in DIR into that database (subdirectories are
skipped with a warning, as the real tool does). Accepted and ignored: -j, --numInsertionWorkersPerCollection,
--writeConcern, --bypassDocumentValidation, --preserveUUID (with --drop), --objcheck, -v.
"""

from __future__ import annotations

import gzip
import os
import struct
import sys
from collections.abc import Iterator

from bson import json_util
from bson.raw_bson import RawBSONDocument
from pymongo import IndexModel
from pymongo.errors import BulkWriteError, PyMongoError

from mongotools.archive import ArchiveError, Reader
from mongotools.common import (
    COMMON_OPTIONS,
    COMMON_SHORTS,
    FLAG,
    MULTI,
    OPTIONAL,
    VALUE,
    Failure,
    Matcher,
    Renamer,
    UsageError,
    client,
    connection,
    escape,
    run_tool,
)

OPTIONS = {
    **COMMON_OPTIONS, "archive": OPTIONAL, "dir": VALUE, "gzip": FLAG, "drop": FLAG, "dryRun": FLAG,
    "nsInclude": MULTI, "nsExclude": MULTI, "nsFrom": MULTI, "nsTo": MULTI, "noIndexRestore": FLAG,
    "noOptionsRestore": FLAG, "stopOnError": FLAG, "maintainInsertionOrder": FLAG, "writeConcern": VALUE,
    "numParallelCollections": VALUE, "numInsertionWorkersPerCollection": VALUE, "bypassDocumentValidation": FLAG,
    "preserveUUID": FLAG, "objcheck": FLAG, "oplogReplay": FLAG, "oplogLimit": VALUE, "oplogFile": VALUE,
    "excludeCollection": MULTI, "excludeCollectionsWithPrefix": MULTI, "restoreDbUsersAndRoles": FLAG,
    "keepIndexVersion": FLAG, "convertLegacyIndexes": FLAG, "batchSize": VALUE, "fixDottedHashIndex": FLAG,
}
SHORTS = {**COMMON_SHORTS, "j": "numParallelCollections"}
DEPRECATED_DB = ("The --db and --collection flags are deprecated for this use-case; please use --nsInclude "
                 "instead, i.e. with --nsInclude=${DATABASE}.${COLLECTION}")
BATCH = 1000
TOLERATED = {11000, 11001, 12582, 121}  # duplicate key, document validation: counted, not fatal


def main(argv: list[str]) -> int:
    return run_tool("mongorestore", argv, OPTIONS, SHORTS, _restore)


class Target:
    """One namespace being restored: where it goes, its metadata, its pending batch and counts."""

    def __init__(self, db: str, collection: str, meta: dict) -> None:
        self.db, self.collection, self.meta = db, collection, meta
        self.batch: list[RawBSONDocument] = []
        self.count = self.failed = 0


class Restorer:
    """Restores namespaces (interleaved or not): begin (rename, drop, create), add documents, end (indexes)."""

    def __init__(self, mongo, parsed, includer: Matcher, excluder: Matcher, renamer: Renamer, log) -> None:
        self.mongo, self.log = mongo, log
        self.includer, self.excluder, self.renamer = includer, excluder, renamer
        self.drop, self.dry = bool(parsed.get("drop")), bool(parsed.get("dryRun"))
        self.stop_on_error = bool(parsed.get("stopOnError") or parsed.get("maintainInsertionOrder"))
        self.indexes, self.options = not parsed.get("noIndexRestore"), not parsed.get("noOptionsRestore")
        self.successes = self.failures = 0

    def wanted(self, db: str, collection: str) -> bool:
        source = f"{db}.{collection}"
        if collection.startswith("system.") or collection == "oplog":
            return False
        return self.includer.has(source) and not self.excluder.has(source)

    def begin(self, db: str, collection: str, metadata: str, where: str) -> Target:
        dest = self.renamer.get(f"{db}.{collection}")
        dest_db, _, dest_coll = dest.partition(".")
        try:
            meta = json_util.loads(metadata) if metadata else {}
        except ValueError as exc:
            raise Failure(f"error parsing metadata for {db}.{collection}: {exc}") from None
        self.log(f"restoring {dest} from {where}")
        target = Target(dest_db, dest_coll, meta)
        if self.dry:
            return target
        database = self.mongo[dest_db]
        if self.drop:
            self.log(f"dropping collection {dest} before restoring")
            database.drop_collection(dest_coll)
        if dest_coll not in database.list_collection_names(filter={"name": dest_coll}):
            options = dict(meta.get("options") or {}) if self.options else {}
            database.create_collection(dest_coll, **options)
        return target

    def add(self, target: Target, raw: bytes) -> None:
        if self.dry:
            return
        target.batch.append(RawBSONDocument(raw))
        if len(target.batch) >= BATCH:
            self._flush(target)

    def _flush(self, target: Target) -> None:
        if not target.batch:
            return
        name = f"{target.db}.{target.collection}"
        try:
            self.mongo[target.db][target.collection].insert_many(target.batch, ordered=self.stop_on_error)
            target.count += len(target.batch)
        except BulkWriteError as exc:
            details = exc.details
            target.count += details.get("nInserted", 0)
            for error in details.get("writeErrors", []):
                if self.stop_on_error or error.get("code") not in TOLERATED:
                    raise Failure(f"{name}: error inserting documents: {error.get('errmsg')}") from None
                self.log(f"continuing through error: {error.get('errmsg')}")
                target.failed += 1
        target.batch.clear()

    def end(self, target: Target) -> None:
        self._flush(target)
        name = f"{target.db}.{target.collection}"
        self.successes += target.count
        self.failures += target.failed
        self.log(f"finished restoring {name} ({target.count} document{'s' if target.count != 1 else ''}, "
                 f"{target.failed} failure{'s' if target.failed != 1 else ''})")
        specs = [s for s in target.meta.get("indexes", []) if s.get("name") != "_id_"]
        if self.indexes and specs and not self.dry:
            self.log(f"restoring indexes for collection {name} from metadata")
            models = []
            for spec in specs:
                options = {k: v for k, v in spec.items() if k not in ("key", "v", "ns")}
                models.append(IndexModel(list(spec["key"].items()), **options))
            try:
                self.mongo[target.db][target.collection].create_indexes(models)
            except PyMongoError as exc:
                raise Failure(f"{name}: error creating indexes for {name}: {exc}") from None


def _restore(parsed, log) -> int:
    conn = connection(parsed)
    positional = parsed.positional
    if len(positional) > 1:
        raise UsageError("error parsing positional arguments: provide only one polling interval in seconds and "
                         "only one MongoDB connection string. Connection strings must begin with mongodb:// or "
                         "mongodb+srv:// schemes")
    if parsed.get("dir") and positional:
        raise UsageError("error parsing positional arguments: cannot use both --dir and a positional argument to "
                         "set the target directory")
    target = positional[0] if positional else str(parsed.get("dir") or "")
    archive = parsed.get("archive")
    if conn.collection and not conn.db:
        raise Failure("cannot restore a collection without a specified database")
    if parsed.get("preserveUUID") and not parsed.get("drop"):
        raise Failure("cannot specify --preserveUUID without --drop")
    if parsed.get("restoreDbUsersAndRoles"):
        raise Failure("restoring users and roles is not supported by the FerretDB stand-in")
    if parsed.get("oplogReplay"):
        if parsed.get("nsInclude") or conn.db:
            raise Failure("cannot use --oplogReplay with includes specified")
        raise Failure("no oplog file to replay; make sure you run mongodump with --oplog")
    if (conn.db or conn.collection) and not target.endswith(".bson"):
        log(DEPRECATED_DB)
    includes = list(parsed.get("nsInclude") or [])
    if conn.db and conn.collection:
        includes.append(f"{escape(conn.db)}.{conn.collection}")
    elif conn.db:
        includes.append(f"{escape(conn.db)}.*")
    excludes = list(parsed.get("nsExclude") or [])
    excludes += [f"*.{escape(c)}" for c in parsed.get("excludeCollection") or []]
    excludes += [f"*.{escape(c)}*" for c in parsed.get("excludeCollectionsWithPrefix") or []]
    try:
        includer, excluder = Matcher(includes or ["*"]), Matcher(excludes)
        renamer = Renamer(list(parsed.get("nsFrom") or []), list(parsed.get("nsTo") or []))
    except UsageError as exc:
        raise Failure(str(exc)) from None
    mongo = client(conn)
    restorer = Restorer(mongo, parsed, includer, excluder, renamer, log)
    try:
        if archive:
            _from_archive(restorer, str(archive), bool(parsed.get("gzip")), log)
        else:
            _from_directory(restorer, target, conn.db, conn.collection, bool(parsed.get("gzip")), log)
    except (Failure, PyMongoError) as exc:
        log(f"Failed: {exc}")
        log(f"{restorer.successes} document(s) restored successfully. {restorer.failures} document(s) failed to "
            f"restore.")
        return 1
    finally:
        mongo.close()
    log(f"{restorer.successes} document(s) restored successfully. {restorer.failures} document(s) failed to restore.")
    return 0


def _from_archive(restorer: Restorer, archive: str, gz: bool, log) -> None:
    if archive == "-":
        stream, where = sys.stdin.buffer, "archive on stdin"
    else:
        path = os.path.join(archive, "archive.gz" if gz else "archive") if os.path.isdir(archive) else archive
        try:
            stream = open(path, "rb")
        except OSError as exc:
            raise Failure(f"open {path}: {exc.strerror.lower() if exc.strerror else exc}") from None
        where = f"archive '{archive}'"
    if gz:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")
    reader = Reader(stream)
    try:
        reader.read_prelude()
        log("preparing collections to restore from")
        metadata = {(m.db, m.collection): m.metadata for m in reader.collections}
        targets: dict[tuple[str, str], Target] = {}
        for event in reader.events():
            ns = (event.db, event.collection)
            if not restorer.wanted(*ns):
                continue
            if ns not in targets:
                targets[ns] = restorer.begin(event.db, event.collection, metadata[ns], where)
            if event.raw is None:
                restorer.end(targets[ns])
            else:
                restorer.add(targets[ns], event.raw)
    except ArchiveError as exc:
        raise Failure(str(exc)) from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _bson_documents(path: str, gz: bool) -> Iterator[bytes]:
    with gzip.open(path, "rb") if gz else open(path, "rb") as f:
        while head := f.read(4):
            size = struct.unpack("<i", head)[0] if len(head) == 4 else 0
            body = f.read(size - 4) if size >= 5 else b""
            if len(body) != size - 4:
                raise Failure(f"error reading {path}: unexpected EOF")
            yield head + body


def _from_directory(restorer: Restorer, target: str, db: str, collection: str, gz: bool, log) -> None:
    if not target:
        target = "dump"
        log("using default 'dump' directory")
    if not os.path.exists(target):
        raise Failure(f"mongorestore target '{target}' invalid: stat {target}: no such file or directory")
    bson_suffix, meta_suffix = (".bson.gz", ".metadata.json.gz") if gz else (".bson", ".metadata.json")
    intents: list[tuple[str, str, str]] = []  # (db, collection, .bson path)
    if os.path.isfile(target):
        if not db:
            raise Failure("cannot restore from a BSON file without a specified database (--db or the URI)")
        name = collection or os.path.basename(target).removesuffix(bson_suffix)
        intents.append((db, name, target))
    elif db:
        log(f"building a list of collections to restore from {target} dir")
        intents += _db_intents(db, target, bson_suffix, log)
        if collection:
            intents = [i for i in intents if i[1] == collection]
    else:
        log(f"building a list of dbs and collections to restore from {target} dir")
        for entry in sorted(os.listdir(target)):
            path = os.path.join(target, entry)
            if os.path.isdir(path):
                intents += _db_intents(entry, path, bson_suffix, log)
            elif entry not in ("oplog.bson", "prelude.json"):
                log(f"don't know what to do with file \"{path}\", skipping...")
    for db_name, name, path in intents:
        if not restorer.wanted(db_name, name):
            continue
        meta_path = path.removesuffix(bson_suffix) + meta_suffix
        metadata = ""
        if os.path.exists(meta_path):
            with gzip.open(meta_path, "rb") if gz else open(meta_path, "rb") as f:
                metadata = f.read().decode()
        target = restorer.begin(db_name, name, metadata, path)
        for raw in _bson_documents(path, gz):
            restorer.add(target, raw)
        restorer.end(target)


def _db_intents(db: str, directory: str, bson_suffix: str, log) -> list[tuple[str, str, str]]:
    out = []
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        if os.path.isdir(path):
            log(f"don't know what to do with subdirectory \"{path}\", skipping...")
        elif entry.endswith(bson_suffix):
            out.append((db, entry.removesuffix(bson_suffix), path))
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
