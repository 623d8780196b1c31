"""MongoDB on the server: reached through the site's host, named, fingerprinted (URLs shown redacted).

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

from ops.config.secrets import redact_url
from ops.errors import OpsError
from ops.host import Host

MONGODB_PORT = 27017
RAW = CodecOptions(document_class=RawBSONDocument)
TIMEOUT_MS = 10_000


def db_name_of(url: str) -> str:
    name = pymongo.uri_parser.parse_uri(url).get("database")
    if not name:
        raise OpsError(f"the database URL {redact_url(url)} names no database")
    return name


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


@contextmanager
def client(url: str) -> Iterator[pymongo.MongoClient]:
    """Values a real MongoDB holds but Python's types cannot (a date after 9999, invalid UTF-8) are read,
    not raised (invalid UTF-8 replaced; fingerprints hash the stored bytes): a backup check must not stop on
    a document the migration rejects with its reason."""
    with pymongo.MongoClient(url, serverSelectionTimeoutMS=TIMEOUT_MS, connectTimeoutMS=TIMEOUT_MS,
                             datetime_conversion="DATETIME_AUTO", unicode_decode_error_handler="replace") as c:
        yield c


def database(c: pymongo.MongoClient, url: str) -> Database:
    return c[db_name_of(url)]


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
