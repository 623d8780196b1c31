"""MongoDB: the one place a client is opened (one timeout policy), a URL is named and redacted, a
database reached through the site's host, counted and fingerprinted.

The database container publishes no port (as on meeshy.me). ``reach`` yields a URL on this machine
that gets there: a port forwarded through the SSH connection to the container's address, or the
address itself when the host is this machine. MongoDB runs as a one-member replica set whose member
is named ``localhost:27017``, so clients connect directly (``directConnection=true``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import pymongo
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.database import Database
from pymongo.errors import ConfigurationError, InvalidURI, OperationFailure, PyMongoError

from ops.config.secrets import redact_url
from ops.errors import OpsError
from ops.host import Host

MONGODB_PORT = 27017
RAW = CodecOptions(document_class=RawBSONDocument)
TIMEOUT_MS = 10_000  # finding the server and connecting (through an SSH tunnel too)
OPERATION_TIMEOUT_MS = 120_000  # one round trip: a batch of a scan, a collStats on a slow server
AUTHENTICATION_FAILED = 18


def database_name(url: str, role: str = "database") -> str:
    """The database ``url`` names; an OpsError if the URL is malformed or names none (``role`` says which
    URL it is: "source", "target")."""
    shown = redact_url(url)
    try:
        named = pymongo.uri_parser.parse_uri(url)
    except (InvalidURI, ConfigurationError, ValueError) as exc:
        raise OpsError(f"{role} URL {shown} is not usable: {one_line(exc)} "
                       "(expected mongodb://HOST:PORT/DATABASE)") from exc
    if not named.get("database"):
        raise OpsError(f"{role} URL {shown} is not usable: it must name a database "
                       "(expected mongodb://HOST:PORT/DATABASE)")
    if named.get("collection"):  # pymongo reads "/bad.name" as database "bad", collection "name"
        raise OpsError(f"{role} URL {shown} names the database {named['database']}.{named['collection']}: "
                       "a MongoDB database name cannot contain '.'")
    return named["database"]


def one_line(error: object) -> str:
    """An error's text on one line (servers' messages may carry a second line with a link)."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def with_database(url: str, name: str) -> str:
    """``url`` naming database ``name`` instead, its host and options kept."""
    scheme, _, rest = url.partition("://")
    hosts, slash, path = rest.partition("/")
    _, question, options = path.partition("?")
    return f"{scheme}://{hosts}/{name}{question}{options}"


@contextmanager
def reach(host: Host, address: str, database: str) -> Iterator[str]:
    """A URL of ``database`` on the MongoDB at ``address`` (as the host sees it), valid inside the block."""
    with host.forward(address, MONGODB_PORT) as (local_host, local_port):
        yield f"mongodb://{local_host}:{local_port}/{database}?directConnection=true"


def client(url: str) -> pymongo.MongoClient:
    """A client with the tool's timeouts; ``with client(url) as c:`` closes it. Values a real MongoDB holds
    but Python's types cannot (a date after 9999, invalid UTF-8) are read, not raised: invalid UTF-8 is
    replaced unless a database's codec options say otherwise (the migration keeps the bytes), and
    fingerprints hash the stored bytes. A backup check must not stop on a document the migration rejects
    with its reason."""
    return pymongo.MongoClient(url, serverSelectionTimeoutMS=TIMEOUT_MS, connectTimeoutMS=TIMEOUT_MS,
                               socketTimeoutMS=OPERATION_TIMEOUT_MS, datetime_conversion="DATETIME_AUTO",
                               unicode_decode_error_handler="replace")


def database(c: pymongo.MongoClient, url: str) -> Database:
    return c[database_name(url)]


@contextmanager
def opened(url: str, role: str, codec_options: CodecOptions | None = None) -> Iterator[Database]:
    """The database ``url`` names, its server answering; an OpsError if the URL is not usable, the
    server does not answer or refuses (an authentication failure said as such). Closed after the block."""
    shown, name = redact_url(url), database_name(url, role)
    try:
        c = client(url)
    except (ConfigurationError, ValueError) as exc:
        raise OpsError(f"{role} URL {shown} is not usable: {one_line(exc)}") from exc
    with c:
        try:
            c.admin.command("ping")
        except OperationFailure as exc:
            if exc.code != AUTHENTICATION_FAILED:
                raise OpsError(f"the {role} database server at {shown} refuses: {one_line(exc)}") from exc
            raise OpsError(f"authentication failed for the {role} database at {shown} (check the user, the "
                           f"password and authSource): {one_line(exc.details.get('errmsg') if exc.details else exc)}"
                           ) from exc
        except PyMongoError as exc:
            raise OpsError(f"the {role} database server at {shown} does not answer: {one_line(exc)}") from exc
        yield c.get_database(name, codec_options=codec_options)


def collection_count(db: Database, name: str) -> int:
    """Document count; collStats is much faster than count_documents on FerretDB."""
    try:
        return int(db.command("collStats", name)["count"])
    except (PyMongoError, KeyError):
        return db[name].count_documents({})


def describe_server(db: Database) -> str:
    """"FerretDB v1.24.2 (MongoDB 7.0.42)" or "MongoDB 8.0.4": reports name the server they ran on."""
    info = db.client.admin.command("buildInfo")
    if info.get("ferretdbVersion"):
        return f"FerretDB {info['ferretdbVersion']} (MongoDB {info.get('version')} wire protocol)"
    return f"MongoDB {info.get('version')}"


def fingerprints(url: str) -> dict[str, dict[str, object]]:
    """Per collection: document count and a content hash independent of storage order."""
    out: dict[str, dict[str, object]] = {}
    with client(url) as c:
        db = database(c, url)
        for name in sorted(db.list_collection_names()):
            raw = db[name].with_options(codec_options=RAW)  # the stored bytes: nothing decoded, nothing lost
            digests = sorted(hashlib.sha256(doc.raw).digest() for doc in raw.find())
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
