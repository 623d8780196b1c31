"""What should become of each source document: the decisions migrate, dry run, verify and delta share.

The pipeline transforms a migrated document (a copied one gets Prisma's defaults where a required
field is absent, and keeps everything else), validates it against its model, checks that its required
relations point to documents that were accepted, and that its unique keys are not taken. It never
writes: callers decide what to do with each Outcome.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bson import ObjectId
from pymongo.collection import Collection
from pymongo.database import Database

from ops.migration.plan import MIGRATE, Plan
from ops.migration.schema import Model, Schema, complete, validate_document
from ops.migration.transforms import (
    RENAMED,
    TRANSFORMS,
    Derived,
    Rejected,
    is_active_member,
    reaction_owner,
)
from ops.migration.values import unwritable

READ_BATCH = 5000


@dataclass
class Outcome:
    collection: str
    source: dict
    target: dict | None = None
    reason: str | None = None

    @property
    def rejected(self) -> bool:
        return self.reason is not None


@dataclass
class Registry:
    """Ids accepted so far per target collection, and the unique keys taken per index."""

    ids: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    keys: dict[tuple[str, str], dict[tuple, object]] = field(default_factory=lambda: defaultdict(dict))


def path_value(doc: dict, path: str) -> object:
    """The value at a document path (``address.street``); None when a part is missing."""
    value: object = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _hashable(value: object) -> object:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def unique_key(fields: tuple[str, ...], doc: dict) -> tuple | None:
    """The key a unique index holds for doc; None when a part is missing (such keys never collide here)."""
    values = tuple(path_value(doc, f) for f in fields)
    return None if any(v is None for v in values) else tuple(_hashable(v) for v in values)


def read_sorted(db: Database, collection: str, query: dict | None = None) -> Iterator[dict]:
    """Documents in _id order: the first of two colliding documents wins, every run the same."""
    yield from db[collection].find(query or {}, sort=[("_id", 1)], batch_size=READ_BATCH)


def derive(db: Database, schema: Schema, message_ids: Iterable | None = None,
           conversation_ids: Iterable | None = None) -> Derived:
    """Member counts and reaction summaries from the source, for all parents or only the given ones."""
    derived = Derived(schema)
    members: dict[ObjectId, set] = defaultdict(set)
    for doc in _children(db["ConversationMember"], "conversationId", conversation_ids,
                         {"conversationId": 1, "userId": 1, "isActive": 1, "leftAt": 1}):
        if is_active_member(doc):
            members[doc.get("conversationId")].add(doc.get("userId"))
    derived.member_counts = {cid: len(users) for cid, users in members.items()}
    seen: dict[ObjectId, set] = defaultdict(set)
    for doc in _children(db["Reaction"], "messageId", message_ids,
                         {"messageId": 1, "emoji": 1, "userId": 1, "anonymousUserId": 1, "anonymousId": 1}):
        if reaction_owner(doc) is not None:  # an ownerless reaction is rejected, so not counted
            seen[doc.get("messageId")].add((reaction_owner(doc), doc.get("emoji")))
    derived.reactions = {mid: dict(Counter(emoji for _, emoji in pairs)) for mid, pairs in seen.items()}
    return derived


def _children(collection: Collection, key: str, parents: Iterable | None, projection: dict) -> Iterable[dict]:
    """The documents whose ``key`` is one of ``parents`` (all when None). No parent, no read: an empty
    ``$in`` would still read the whole collection on FerretDB."""
    if parents is None:
        return collection.find({}, projection)
    parents = list(parents)
    return collection.find({key: {"$in": parents}}, projection) if parents else ()


@dataclass
class CollectionStats:
    source: int = 0
    accepted: int = 0
    rejected: int = 0
    without_target: Counter = field(default_factory=Counter)  # legacy fields the model lacks
    defaults_filled: Counter = field(default_factory=Counter)  # copies: fields given Prisma's default


class Pipeline:
    """Decides documents of the collections a plan checks against a model. Without a plan (unit
    tests), a collection is read by the model of its name and migrated if a transform exists."""

    def __init__(self, schema: Schema, derived: Derived, registry: Registry | None = None,
                 plan: Plan | None = None) -> None:
        self.schema = schema
        self.derived = derived
        self.registry = registry or Registry()
        self.plan = plan

    def model(self, collection: str) -> Model:
        if self.plan is None:
            model = self.schema.model_for_collection(collection)
        else:
            model = self.schema.models.get(self.plan.models.get(collection) or "")
        if model is None:
            raise KeyError(f"the schema has no model for collection {collection!r}")
        return model

    def migrated(self, collection: str) -> bool:
        if self.plan is not None:
            return self.plan.fates[collection] == MIGRATE
        return collection in TRANSFORMS

    def decide(self, collection: str, doc: dict, stats: CollectionStats | None = None) -> Outcome:
        """Transform (or complete, for a copy) and check one document; on acceptance, register its id
        and unique keys."""
        model = self.model(collection)
        migrated = self.migrated(collection)
        filled: list[str] = []
        try:
            if migrated:
                target = TRANSFORMS[collection](doc, self.derived)
            else:
                target, filled = complete(model, doc)
        except Rejected as exc:
            return Outcome(collection, doc, reason=str(exc))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return Outcome(collection, doc, reason=f"malformed document: {type(exc).__name__}: {exc}")
        problems = unwritable(target) or validate_document(model, target, self.schema.enums,
                                                                     allow_unknown=not migrated)
        if problems:
            return Outcome(collection, doc, reason="; ".join(problems))
        reason = self._broken_relation(model, target) or self._taken_key(model, target)
        if reason:
            return Outcome(collection, doc, reason=reason)
        self.registry.ids[model.collection].add(target["_id"])
        for index in model.unique_keys():
            key = unique_key(index.fields, target)
            if key is not None:
                self.registry.keys[(model.collection, index.name)][key] = target["_id"]
        if stats is not None:
            known = {f.db_name for f in model.fields.values()} | RENAMED.get(collection, set())
            stats.without_target.update(k for k in doc if k not in known)
            stats.defaults_filled.update(filled)
        return Outcome(collection, doc, target=target)

    def _broken_relation(self, model: Model, target: dict) -> str | None:
        for relation in model.required_relations():
            other = self.schema.models[relation.model]
            for fk in relation.fields:
                key = model.fields[fk].db_name
                if target.get(key) not in self.registry.ids[other.collection]:
                    return f"orphan: {key}={target.get(key)} matches no migrated {other.collection}"
        return None

    def _taken_key(self, model: Model, target: dict) -> str | None:
        for index in model.unique_keys():
            key = unique_key(index.fields, target)
            holder = self.registry.keys[(model.collection, index.name)].get(key) if key is not None else None
            if holder is not None and holder != target["_id"]:
                return f"unique-key collision on {index.name} with {model.collection} {holder}"
        return None

    def read(self, db: Database, collection: str) -> Iterator[dict]:
        """The collection's documents, in _id order only where the order decides an outcome: a unique
        key (the first of two colliding documents wins) or a required relation to the same model. A
        sorted read makes FerretDB sort the whole collection before the first document (MongoDB walks
        the _id index), so a collection that needs no order is read as it is stored."""
        model = self.model(collection)
        if model.unique_keys() or any(r.model == model.name for r in model.required_relations()):
            return read_sorted(db, collection)
        return db[collection].find({}, batch_size=READ_BATCH)

    def run(self, collection: str, docs: Iterable[dict], stats: CollectionStats) -> Iterator[Outcome]:
        for doc in docs:
            stats.source += 1
            outcome = self.decide(collection, doc, stats)
            if outcome.rejected:
                stats.rejected += 1
            else:
                stats.accepted += 1
            yield outcome
