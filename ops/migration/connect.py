"""Opening the source and target databases, with the checks that must pass before anything is written."""

from __future__ import annotations

import pymongo
from pymongo.database import Database
from pymongo.errors import ConfigurationError, InvalidURI, OperationFailure, PyMongoError
from pymongo.uri_parser import parse_uri

from ops.config import redact_url
from ops.errors import OpsError
from ops.migration.plan import INTERNAL, META_COLLECTION
from ops.migration.values import READ

TIMEOUT_MS = 5000
AUTHENTICATION_FAILED = 18


def open_database(url: str, role: str) -> Database:
    """The database named by url; OpsError if the URL is malformed, names none, or nothing answers."""
    shown = redact_url(url)
    try:
        named = parse_uri(url)
        client = pymongo.MongoClient(url, serverSelectionTimeoutMS=TIMEOUT_MS, connectTimeoutMS=TIMEOUT_MS,
                                     socketTimeoutMS=120_000, tz_aware=False)
        db = client.get_default_database(codec_options=READ)  # values.py: what must not abort a read
    except (InvalidURI, ConfigurationError, ValueError) as exc:
        raise OpsError(f"{role} URL {shown} is not usable: {one_line(exc)} "
                       "(expected mongodb://HOST:PORT/DATABASE)") from exc
    if named.get("collection"):  # pymongo reads "/bad.name" as database "bad", collection "name"
        raise OpsError(f"{role} URL {shown} names the database {named['database']}.{named['collection']}: "
                       "a MongoDB database name cannot contain '.'")
    try:
        client.admin.command("ping")
    except OperationFailure as exc:
        if exc.code != AUTHENTICATION_FAILED:
            raise OpsError(f"the {role} database server at {shown} refuses: {one_line(exc)}") from exc
        raise OpsError(f"authentication failed for the {role} database at {shown} (check the user, the password "
                       f"and authSource): {one_line(exc.details.get('errmsg') if exc.details else exc)}") from exc
    except PyMongoError as exc:
        raise OpsError(f"the {role} database server at {shown} does not answer: {one_line(exc)}") from exc
    return db


def one_line(error: object) -> str:
    """An error's text on one line (servers' messages may carry a second line with a link)."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def source_database(url: str) -> Database:
    """The legacy database at url: it exists, and is not one this tool migrated into (the target
    given as source, however its URL is spelled)."""
    db = open_database(url, "source")
    present = set(db.list_collection_names())
    if not present:
        raise OpsError(f"the source database {db.name!r} does not exist on {redact_url(url)} (it has no collection)")
    ours = sorted(present & set(INTERNAL))
    if ours:
        raise OpsError(f"the source database {db.name!r} on {redact_url(url)} holds {', '.join(ours)}: it is a "
                       "database this tool migrated into, not a legacy one (source and target the same?)")
    return db


def in_sample(n: int) -> bool:
    """Whether the n-th document (1-based, in _id order) of a collection goes into the source's sample."""
    return n & (n - 1) == 0


def check_migrated_from(source: Database, target: Database, meta: dict) -> None:
    """Refuse a source that is not the database the target was migrated from. Its name may differ
    (the switch reads production's database; staging migrated a restored copy), so the documents
    decide: the migration recorded a sample of the ids it read (the 1st, 2nd, 4th, 8th… of each
    collection); a foreign database holds next to none of them, the right one all but those
    deleted since."""
    sample = meta.get("source_sample")
    if not sample:
        raise OpsError(f"target {target.name!r} records no sample of the database it was migrated from "
                       "(migrated by an earlier meeshy-ops): run `migrate` on it again first")
    found = sum(source[s["collection"]].find_one({"_id": s["_id"]}, {"_id": 1}) is not None for s in sample)
    if found * 2 < len(sample):
        raise OpsError(f"the source {source.name!r} is not the database target {target.name!r} was migrated from "
                       f"({meta.get('source_db')!r}): it holds {found} of the {len(sample)} documents recorded "
                       "from that one")


def collection_count(db: Database, name: str) -> int:
    """Document count; collStats is much faster than count_documents on FerretDB."""
    try:
        return int(db.command("collStats", name)["count"])
    except (PyMongoError, KeyError):
        return db[name].count_documents({})


def check_target(target: Database, source: Database, expected: set[str]) -> dict | None:
    """Refuse a target that holds unrelated data; return the previous run's metadata if any."""
    if (target.client.address, target.name) == (source.client.address, source.name):
        raise OpsError("source and target are the same database: the migration needs an empty target")
    present = set(target.list_collection_names())
    meta = target[META_COLLECTION].find_one({"_id": "run"}) if META_COLLECTION in present else None
    if meta is None:
        unrelated = sorted(present - set(INTERNAL))
        if unrelated:
            raise OpsError(f"target {target.name!r} already holds data this tool did not write "
                           f"({', '.join(unrelated[:5])}{'…' if len(unrelated) > 5 else ''}); "
                           "choose an empty database")
        return None
    if meta.get("source_db") != source.name:
        raise OpsError(f"target {target.name!r} was migrated from {meta.get('source_db')!r}, "
                       f"not from {source.name!r}; choose an empty database")
    stray = sorted(present - expected - set(INTERNAL))
    if stray:
        raise OpsError(f"target {target.name!r} holds collections the plan does not produce: {', '.join(stray)}")
    return meta


def describe_server(db: Database) -> str:
    """"FerretDB v1.24.2 (MongoDB 7.0.42)" or "MongoDB 8.0.4": reports name the server they ran on."""
    info = db.client.admin.command("buildInfo")
    if info.get("ferretdbVersion"):
        return f"FerretDB {info['ferretdbVersion']} (MongoDB {info.get('version')} wire protocol)"
    return f"MongoDB {info.get('version')}"
