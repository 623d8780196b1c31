"""The source and target databases of a run (opened through ``ops.db``), with the checks that must pass
before anything is written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from pymongo.database import Database

from ops.config import redact_url
from ops.db import opened
from ops.errors import OpsError
from ops.migration.plan import INTERNAL, META_COLLECTION
from ops.migration.values import READ


@contextmanager
def source_database(url: str) -> Iterator[Database]:
    """The legacy database at url: it exists, and is not one this tool migrated into (the target
    given as source, however its URL is spelled)."""
    with opened(url, "source", READ) as db:  # values.py: what must not abort a read
        present = set(db.list_collection_names())
        if not present:
            raise OpsError(f"the source database {db.name!r} does not exist on {redact_url(url)} "
                           "(it has no collection)")
        ours = sorted(present & set(INTERNAL))
        if ours:
            raise OpsError(f"the source database {db.name!r} on {redact_url(url)} holds {', '.join(ours)}: it is "
                           "a database this tool migrated into, not a legacy one (source and target the same?)")
        yield db


def target_database(url: str) -> AbstractContextManager[Database]:
    """The database a run writes (or verify reads), read as the source is."""
    return opened(url, "target", READ)


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
