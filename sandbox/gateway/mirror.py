"""The gateway's in-memory copy of the collections it reads, so that a page is served in milliseconds.

FerretDB uses no index: every query but a lookup by ``_id`` reads the whole collection (seconds for
``Message`` at four times the real data), where the real gateway's MongoDB answers from its indexes.
The mirror stands in for those indexes, and stays what the database holds:

- it is read from the database (one scan per collection, in the background from start-up;
  a request that needs a collection not yet read waits for it);
- every write goes to the database first, then the copy takes what the database stored: the
  inserted documents after BSON's round trip, the updated one as ``findAndModify`` returns it (one
  round trip: no read back by ``_id``, which FerretDB answers from its ``_id`` index as MongoDB does,
  tools/ferretdb/build.sh);
- writes made behind the gateway's back (a migration into a running staging, a test) are found by
  a poll of each collection's document count (``collStats``, which FerretDB answers from SQLite's
  page statistics without reading the documents): a count that differs reloads the collection;
- a poll that cannot reach the database makes every read fail until one succeeds, as the real
  gateway's queries would.

A filter, sort or projection that :mod:`matching` does not evaluate goes to the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from typing import Any

import bson
from bson.codec_options import CodecOptions
from pymongo import ReturnDocument
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, OperationFailure, PyMongoError
from pymongo.results import UpdateResult

from sandbox.gateway import matching
from sandbox.gateway.matching import Unsupported

Doc = dict[str, Any]
log = logging.getLogger("gateway.mirror")

# Equality lookups of the gateway's queries, indexed in memory (as @@index in schema.prisma), in the
# order they are read at start-up: the small collections that /health and login need first, while
# the large ones of the message list are read alongside (LARGE).
INDEXED: dict[str, tuple[str, ...]] = {
    "User": (),
    "Conversation": ("identifier", "communityId"),
    "ConversationMember": ("conversationId", "userId"),
    "Community": ("identifier",),
    "CommunityMember": ("communityId", "userId"),
    "Mention": ("messageId",),
    "Reaction": ("messageId",),
    "MessageAttachment": ("messageId",),
    "MessageTranslation": ("messageId",),
    "Message": ("conversationId",),
}
CODEC = CodecOptions(tz_aware=False)
LARGE = ("Message", "MessageTranslation")  # read in a lane of their own: FerretDB uses a core per cursor
POLL_MIN_INTERVAL_S = 1.0
POLL_COST_FACTOR = 10  # a poll may take at most a tenth of the time: the interval grows with its cost


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class Cursor:
    """The part of pymongo's cursor the gateway uses: sort, skip, limit, async iteration, to_list."""

    def __init__(self, collection: MirroredCollection, flt: Doc, projection: Any, sort: Any = None) -> None:
        self._coll, self._filter, self._projection = collection, flt, projection
        self._sort = matching.normalize_sort(sort)
        self._skip = self._limit = 0

    def sort(self, key: Any, direction: Any = None) -> Cursor:
        self._sort = matching.normalize_sort(key, direction)
        return self

    def skip(self, n: int) -> Cursor:
        self._skip = n
        return self

    def limit(self, n: int) -> Cursor:
        self._limit = n
        return self

    async def to_list(self, length: int | None = None) -> list[Doc]:
        docs = await self._coll._find(self._filter, self._projection, self._sort, self._skip, self._limit)
        return docs if length is None else docs[:length]

    async def __aiter__(self):
        for doc in await self.to_list():
            yield doc


class MirroredCollection:
    def __init__(self, mirror: Mirror, name: str) -> None:
        self.mirror, self.name = mirror, name
        self.raw = mirror.db[name]
        self.fields = INDEXED.get(name, ())
        self.loaded = False
        self.count_by_scan = False  # collStats counts are estimates on this server (FerretDB on PostgreSQL)
        self.writes_in_flight = 0
        self.generation = 0
        self._load_task: asyncio.Task | None = None
        self._written_while_loading: set[Any] | None = None
        self._reset()

    def _reset(self) -> None:
        self.docs: dict[Any, Doc] = {}  # _id → document, in the database's natural order
        self.position: dict[Any, int] = {}
        self._next_position = 0
        self.index: dict[str, dict[Any, dict[Any, None]]] = {f: {} for f in self.fields}
        self.unindexed: dict[str, dict[Any, None]] = {f: {} for f in self.fields}  # list or dict values

    # --- loading ---------------------------------------------------------------------------
    async def ready(self) -> None:
        self.mirror.raise_if_unreachable()
        if self.loaded:
            return
        if self._load_task is None or self._load_task.done():
            self._load_task = asyncio.create_task(self._load())
        try:
            await asyncio.shield(self._load_task)
        except PyMongoError:
            self._load_task = None
            raise

    async def preload(self) -> None:
        try:
            await self.ready()
        except PyMongoError as exc:
            log.debug("%s could not be read at start-up: %s", self.name, type(exc).__name__)

    async def reload(self) -> None:
        """Read the collection again, serving the previous copy meanwhile."""
        if self._load_task is not None and not self._load_task.done():
            return
        self._load_task = asyncio.create_task(self._load())
        self._load_task.add_done_callback(_quiet)
        await asyncio.shield(self._load_task)

    async def _load(self) -> None:
        self._written_while_loading = set()
        try:
            docs = await self.raw.find({}).to_list(None)
            written, self._written_while_loading = self._written_while_loading, None
            self._reset()
            for doc in docs:
                self._put(doc)
            self.loaded = True
            await self._refresh(written)
        finally:
            self._written_while_loading = None

    # --- the copy --------------------------------------------------------------------------
    def _put(self, doc: Doc) -> None:
        _id = doc["_id"]
        old = self.docs.get(_id)
        if old is not None:
            self._unindex(_id, old)
        else:
            self.position[_id] = self._next_position
            self._next_position += 1
        self.docs[_id] = doc
        for f in self.fields:
            value = doc.get(f)
            if _hashable(value):
                self.index[f].setdefault(value, {})[_id] = None
            else:
                self.unindexed[f][_id] = None

    def _unindex(self, _id: Any, doc: Doc) -> None:
        for f in self.fields:
            value = doc.get(f)
            if _hashable(value):
                bucket = self.index[f].get(value)
                if bucket is not None:
                    bucket.pop(_id, None)
                    if not bucket:
                        del self.index[f][value]
            else:
                self.unindexed[f].pop(_id, None)

    def _remove(self, _id: Any) -> None:
        old = self.docs.pop(_id, None)
        if old is not None:
            self._unindex(_id, old)
            self.position.pop(_id, None)

    def _candidates(self, flt: Doc) -> list[Doc]:
        """The documents that may match, in natural order: by _id or an indexed field when the filter
        names one with a value or an $in list, else all."""
        ids: Any = None
        cond = flt.get("_id", matching.MISSING)
        if cond is not matching.MISSING:
            ids = _hashable_values(_values(cond))
        else:
            for f in self.fields:
                values = _hashable_values(_values(flt.get(f, matching.MISSING)))
                if values is not None:
                    ids = {i: None for v in values for i in self.index[f].get(v, ())} | self.unindexed[f]
                    break
        if ids is None:
            return list(self.docs.values())
        found = [(self.position[i], self.docs[i]) for i in ids if i in self.docs]
        found.sort(key=lambda pair: pair[0])
        return [doc for _, doc in found]

    def _select(self, flt: Doc | None) -> list[Doc]:
        flt = flt or {}
        matching.check(flt)
        return [d for d in self._candidates(flt) if matching.matches(d, flt)]

    # --- reads -----------------------------------------------------------------------------
    def find(self, filter: Doc | None = None, projection: Any = None, sort: Any = None) -> Cursor:  # noqa: A002
        return Cursor(self, filter or {}, projection, sort)

    async def _find(self, flt: Doc, projection: Any, sort: list, skip: int, limit: int) -> list[Doc]:
        await self.ready()
        try:
            docs = self._select(flt)
            if sort:
                docs = matching.sort(docs, sort)
            docs = docs[skip:]
            if limit:
                docs = docs[:limit]
            return [copy.deepcopy(matching.project(d, projection)) for d in docs]
        except Unsupported as exc:
            log.debug("%s: %s, asked of the database", self.name, exc)
            cursor = self.raw.find(flt, projection)
            if sort:
                cursor = cursor.sort(sort)
            return await cursor.skip(skip).limit(limit).to_list(None)

    async def find_one(self, filter: Doc | None = None, projection: Any = None, sort: Any = None) -> Doc | None:  # noqa: A002
        docs = await self._find(filter or {}, projection, matching.normalize_sort(sort), 0, 1)
        return docs[0] if docs else None

    async def count_documents(self, filter: Doc) -> int:  # noqa: A002
        await self.ready()
        try:
            return len(self._select(filter))
        except Unsupported:
            return await self.raw.count_documents(filter)

    async def distinct(self, key: str, filter: Doc | None = None) -> list[Any]:  # noqa: A002
        await self.ready()
        try:
            docs = self._select(filter)
        except Unsupported:
            return await self.raw.distinct(key, filter)
        out: list[Any] = []
        for doc in docs:
            value = matching.get(doc, key)
            for v in value if isinstance(value, list) else [value]:
                if v is not matching.MISSING and v not in out:
                    out.append(v)
        return out

    # --- writes: the database first, then what it stored ---------------------------------------
    async def _target_ids(self, flt: Doc, one: bool) -> list[Any]:
        try:
            await self.ready()
            ids = [d["_id"] for d in self._select(flt)]
        except (Unsupported, PyMongoError):
            ids = []
        return ids[:1] if one else ids

    def _note(self, _id: Any) -> None:
        if self._written_while_loading is not None:
            self._written_while_loading.add(_id)

    def _stored(self, doc: Doc) -> None:
        """Put a document as the database holds it (BSON's round trip: datetimes to the millisecond)."""
        self._note(doc["_id"])
        if self.loaded:
            self._put(bson.decode(bson.encode(doc), codec_options=CODEC))

    async def _refresh(self, ids) -> None:
        # A read back by _id: used only where the write itself cannot say what was stored.
        for _id in ids:
            self._note(_id)
            doc = await self.raw.find_one({"_id": _id})
            if doc is None:
                self._remove(_id)
            elif self.loaded:
                self._put(doc)

    @contextlib.asynccontextmanager
    async def _writing(self):
        self.writes_in_flight += 1
        try:
            yield
        finally:
            self.writes_in_flight -= 1
            self.generation += 1

    async def insert_one(self, doc: Doc, **kwargs: Any):
        async with self._writing():
            result = await self.raw.insert_one(doc, **kwargs)
            self._stored(doc)
            return result

    async def insert_many(self, docs: list[Doc], **kwargs: Any):
        async with self._writing():
            result = await self.raw.insert_many(docs, **kwargs)
            for doc in docs:
                self._stored(doc)
            return result

    async def update_one(self, flt: Doc, update: Any, **kwargs: Any) -> UpdateResult:
        async with self._writing():
            doc = await self.raw.find_one_and_update(flt, update, return_document=ReturnDocument.AFTER, **kwargs)
            if doc is not None:
                self._note(doc["_id"])
                if self.loaded:
                    self._put(doc)
            return UpdateResult({"n": int(doc is not None), "nModified": int(doc is not None)}, True)

    async def update_many(self, flt: Doc, update: Any, **kwargs: Any):
        ids = await self._target_ids(flt, one=False)
        async with self._writing():
            result = await self.raw.update_many(flt, update, **kwargs)
            await self._refresh([*ids, *([result.upserted_id] if result.upserted_id is not None else [])])
            return result

    async def delete_one(self, flt: Doc, **kwargs: Any):
        ids = await self._target_ids(flt, one=True)
        async with self._writing():
            result = await self.raw.delete_one(flt, **kwargs)
            if result.deleted_count == 1 and len(ids) == 1 and "_id" in flt:
                self._note(ids[0])
                self._remove(ids[0])
            else:
                await self._refresh(ids)
            return result

    async def delete_many(self, flt: Doc, **kwargs: Any):
        ids = await self._target_ids(flt, one=False)
        async with self._writing():
            result = await self.raw.delete_many(flt, **kwargs)
            await self._refresh(ids)
            return result


def _values(cond: Any) -> list[Any] | None:
    """The values an equality or ``$in`` condition allows, or None when it is another operator."""
    if cond is matching.MISSING:
        return None
    if isinstance(cond, dict):
        if set(cond) == {"$in"} and isinstance(cond["$in"], list):
            return cond["$in"]
        if set(cond) == {"$eq"}:
            return [cond["$eq"]]
        return None
    if isinstance(cond, list):
        return None
    return [cond]


def _hashable_values(values: list[Any] | None) -> list[Any] | None:
    return values if values is not None and all(_hashable(v) for v in values) else None


def _quiet(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("background read failed: %s", type(task.exception()).__name__)


class Mirror:
    def __init__(self, db) -> None:
        self.db = db
        self.collections: dict[str, MirroredCollection] = {}
        self.unreachable: PyMongoError | None = None
        self._poller: asyncio.Task | None = None

    def __getitem__(self, name: str) -> MirroredCollection:
        if name not in self.collections:
            self.collections[name] = MirroredCollection(self, name)
        return self.collections[name]

    @property
    def ready(self) -> bool:
        """Every collection of the gateway read once: no request will wait for a first read."""
        return all(self[name].loaded for name in INDEXED)

    def raise_if_unreachable(self) -> None:
        if self.unreachable is not None:
            raise AutoReconnect(f"database unreachable at the last check ({type(self.unreachable).__name__})")

    def start(self) -> None:
        """Read the gateway's collections in the background, one after the other (a request that needs
        one not read yet starts its read at once), then poll them for outside writes."""
        self._poller = asyncio.create_task(self._start())

    async def _start(self) -> None:
        async def lane(names) -> None:
            for name in names:
                await self[name].preload()

        await asyncio.gather(lane(LARGE), lane(n for n in INDEXED if n not in LARGE))
        await self._poll_forever()

    async def close(self) -> None:
        tasks = [t for t in (self._poller, *(c._load_task for c in self.collections.values())) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _poll_forever(self) -> None:
        interval = POLL_MIN_INTERVAL_S
        while True:
            await asyncio.sleep(interval)
            started = time.monotonic()
            await self.poll_once()
            interval = max(POLL_MIN_INTERVAL_S, POLL_COST_FACTOR * (time.monotonic() - started))

    async def poll_once(self) -> None:
        """One poll; a database that cannot be reached fails every read until a poll succeeds."""
        try:
            await self.poll()
            self.unreachable = None
        except NetworkTimeout:
            # A slow answer (a dump or a scan keeping the server busy) is not an unreachable server: a
            # real gateway's queries would wait too. Reads go on from the copy; the next poll tries again.
            log.warning("mirror poll timed out: the database is slow, not unreachable")
        except ConnectionFailure as exc:
            self.unreachable = exc
        except PyMongoError as exc:
            log.warning("mirror poll failed: %s", type(exc).__name__)

    async def poll(self) -> None:
        """Reload every collection whose count in the database differs from the copy's."""
        for coll in list(self.collections.values()):
            if not coll.loaded or coll.writes_in_flight:
                continue
            generation = coll.generation
            count = await self._count(coll)
            if coll.writes_in_flight or coll.generation != generation or count == len(coll.docs):
                continue
            log.info("%s: %d documents in the database, %d in the copy: reloading", coll.name, count,
                     len(coll.docs))
            await coll.reload()
            if not coll.count_by_scan and await self._count(coll) != len(coll.docs):
                coll.count_by_scan = True

    async def _count(self, coll: MirroredCollection) -> int:
        if coll.count_by_scan:
            return await coll.raw.count_documents({})
        try:
            return int((await self.db.command("collStats", coll.name)).get("count", 0))
        except OperationFailure:
            return 0  # no such collection (hidden by a fault, or not created yet)
