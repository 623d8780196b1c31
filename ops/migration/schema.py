"""The target Prisma schema as Prisma itself reads it, and checks of documents against it.

The schema is parsed by Prisma's own parser (``ops.migration.prisma``: ``get_dmmf`` of
``@prisma/prisma-schema-wasm``): models, composite types, enums, fields (required, list, default,
``@map``, native ObjectId), relations and indexes are Prisma's, never guessed. Two things Prisma
computes but the DMMF does not carry are derived here with Prisma's own rules: the name of an index
without ``map:`` (``ConstraintNames`` of prisma-engines: the collection's name, the mapped path of
each field, ``_key`` or ``_idx``, cut at MongoDB's 127 bytes), and the value an enum stores (its
``@map`` name).

>>> schema = load_schema(DEFAULT_SCHEMA_PATH)
>>> [i.name for i in schema.models["User"].indexes]
['User_username_key', 'User_email_key']
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from bson import Binary, Decimal128, ObjectId

from ops.errors import OpsError
from ops.migration.prisma import read_dmmf

DEFAULT_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "schema.prisma"

MAX_IDENTIFIER = 127  # max_identifier_length of Prisma's MongoDB connector
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Function:
    """A default computed when Prisma creates a document: now(), auto(), uuid(), cuid(), …"""

    name: str
    args: tuple = field(default=(), compare=False)


NOW, AUTO = Function("now"), Function("auto")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()  # no value can be derived (see default_value)


@dataclass(frozen=True)
class Relation:
    model: str
    fields: tuple[str, ...]  # scalar foreign keys on this side; () on a back-relation
    references: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a scalar type, an enum, a composite type or a model name
    kind: str  # "scalar", "enum", "composite" (an embedded document) or "relation" (not stored)
    optional: bool
    is_list: bool
    is_id: bool
    object_id: bool  # @db.ObjectId
    db_name: str  # the key in the MongoDB document (@map)
    default: object | None  # a literal as stored, or a Function; a list default is shared: copy it
    has_default: bool
    updated_at: bool
    unique: bool
    relation: Relation | None


@dataclass(frozen=True)
class Index:
    name: str  # the name Prisma gives it
    fields: tuple[str, ...]  # document keys; a composite type's field is a dotted path
    unique: bool
    kind: str = "normal"  # "normal", "unique" or "fulltext"
    orders: tuple[int, ...] = ()  # 1 or -1 per key (sort: Desc); () when all ascending

    def keys(self) -> list[tuple[str, int | str]]:
        """The key specification for create_index."""
        if self.kind == "fulltext":
            return [(f, "text") for f in self.fields]
        return [(f, self.orders[i] if self.orders else 1) for i, f in enumerate(self.fields)]


@dataclass(frozen=True)
class CompositeType:
    name: str
    fields: dict[str, Field]
    types: dict[str, CompositeType] = field(repr=False, compare=False)  # every composite type of the schema


@dataclass(frozen=True)
class Model:
    name: str
    collection: str
    fields: dict[str, Field]  # stored fields (scalars, enums, composite types), by model field name
    relations: dict[str, Field]  # virtual relation fields, back-relations included
    indexes: tuple[Index, ...]  # besides _id_
    types: dict[str, CompositeType] = field(default_factory=dict, repr=False, compare=False)

    def required_fields(self) -> list[Field]:
        """Fields a document must be given: non-null, not a list, no default, not @updatedAt, not the id."""
        return [f for f in self.fields.values()
                if not (f.optional or f.is_list or f.has_default or f.updated_at or f.is_id)]

    def unique_keys(self) -> list[Index]:
        return [i for i in self.indexes if i.unique]

    def required_relations(self) -> list[Relation]:
        """Relations this side holds the foreign key of and Prisma cannot read as null."""
        return [f.relation for f in self.relations.values()
                if f.relation is not None and f.relation.fields and f.relation.required]

    def field_at(self, path: str) -> list[Field]:
        """The fields along a document path (``address.street``): the model's, then composite types'."""
        found: list[Field] = []
        fields = self.fields
        for part in path.split("."):
            spec = next((f for f in fields.values() if f.db_name == part), None)
            if spec is None:
                raise KeyError(f"{self.name} has no field at {path!r}")
            found.append(spec)
            fields = self.types[spec.type].fields if spec.kind == "composite" else {}
        return found


@dataclass(frozen=True)
class Schema:
    models: dict[str, Model]
    enums: dict[str, tuple[str, ...]]  # the values as stored (an enum value's @map name, else its name)
    types: dict[str, CompositeType] = field(default_factory=dict)
    path: Path | None = None
    parse_seconds: float = 0.0  # Prisma's parse, node's start included

    def model_for_collection(self, collection: str) -> Model | None:
        return next((m for m in self.models.values() if m.collection == collection), None)


# ---------------------------------------------------------------- reading

_cache: dict[tuple[str, str], Schema] = {}


def forget_parsed() -> None:
    """Parse again on the next load_schema (benchmarks time the parse of every run)."""
    _cache.clear()


def load_schema(path: str | Path) -> Schema:
    """Read a schema.prisma with Prisma's parser. OpsError on an unreadable file; SchemaError with
    Prisma's message (file:line) when Prisma refuses it; OpsError when its datasource is not MongoDB.
    A schema read once is not read again in this process while its content is the same."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OpsError(f"cannot read the Prisma schema {path}: {exc}") from exc
    key = (str(path.resolve()), hashlib.sha256(text.encode()).hexdigest())
    if key not in _cache:
        dmmf = read_dmmf(path, text)
        if "mongodb" not in dmmf.providers:
            found = ", ".join(dmmf.providers) or "none"
            raise OpsError(f"the Prisma schema {path} has no datasource with provider = \"mongodb\" "
                           f"(found: {found}); the target is a MongoDB database")
        _cache[key] = replace(build_schema(dmmf.datamodel), path=path, parse_seconds=dmmf.seconds)
    return _cache[key]


def build_schema(datamodel: dict) -> Schema:
    """The Schema of a DMMF datamodel (``get_dmmf(...).datamodel``)."""
    enum_values = {e["name"]: {v["name"]: v.get("dbName") or v["name"] for v in e["values"]}
                   for e in datamodel["enums"]}
    type_names = {t["name"] for t in datamodel["types"]}
    types: dict[str, CompositeType] = {}
    for raw in datamodel["types"]:
        types[raw["name"]] = CompositeType(
            raw["name"], {f["name"]: _field(f, enum_values, type_names) for f in raw["fields"]}, types)
    models: dict[str, Model] = {}
    for raw in datamodel["models"]:
        fields: dict[str, Field] = {}
        relations: dict[str, Field] = {}
        for f in raw["fields"]:
            spec = _field(f, enum_values, type_names)
            (relations if spec.kind == "relation" else fields)[spec.name] = spec
        models[raw["name"]] = Model(raw["name"], raw.get("dbName") or raw["name"], fields, relations, (), types)
    indexes: dict[str, list[Index]] = defaultdict(list)
    for raw in datamodel["indexes"]:
        if raw["type"] == "id":  # the _id_ index MongoDB always has
            continue
        model = models[raw["model"]]
        paths = [_mapped_path(model, f["name"]) for f in raw["fields"]]
        unique = raw["type"] == "unique"
        name = raw.get("dbName") or index_name(model.collection, [part for p in paths for part in p], unique)
        orders = tuple(-1 if f.get("sortOrder") == "desc" else 1 for f in raw["fields"])
        indexes[model.name].append(Index(name, tuple(".".join(p) for p in paths), unique, raw["type"],
                                         orders if -1 in orders else ()))
    models = {name: replace(model, indexes=tuple(indexes[name])) for name, model in models.items()}
    return Schema(models, {name: tuple(values.values()) for name, values in enum_values.items()}, types)


def index_name(collection: str, parts: list[str], unique: bool) -> str:
    """The name Prisma gives an index without ``map:`` (prisma-engines ``ConstraintNames``)."""
    suffix = "_key" if unique else "_idx"
    out = f"{collection}_{'_'.join(parts)}".encode()
    limit = MAX_IDENTIFIER - len(suffix)
    if len(out) >= limit:
        out = out[:limit]
    return out.decode("utf-8", errors="ignore") + suffix


def _mapped_path(model: Model, path: str) -> list[str]:
    """A DMMF index field (``address.street``, model field names) as stored keys (their @map names)."""
    parts: list[str] = []
    fields = {**model.fields, **model.relations}
    for part in path.split("."):
        spec = fields[part]
        parts.append(spec.db_name)
        fields = model.types[spec.type].fields if spec.kind == "composite" else {}
    return parts


def _field(raw: dict, enum_values: dict[str, dict[str, str]], type_names: set[str]) -> Field:
    kind = raw["kind"]
    if kind == "object":
        kind = "composite" if raw["type"] in type_names else "relation"
    relation = None
    if kind == "relation":
        relation = Relation(raw["type"], tuple(raw.get("relationFromFields") or ()),
                            tuple(raw.get("relationToFields") or ()),
                            required=raw["isRequired"] and not raw["isList"])
    native = raw.get("nativeType")
    has_default = bool(raw.get("hasDefaultValue"))
    default = _default(raw, kind, enum_values) if has_default else None
    return Field(raw["name"], raw["type"], kind, optional=not raw["isRequired"], is_list=raw["isList"],
                 is_id=bool(raw.get("isId")), object_id=bool(native) and native[0] == "ObjectId",
                 db_name=raw.get("dbName") or raw["name"], default=default, has_default=has_default,
                 updated_at=bool(raw.get("isUpdatedAt")), unique=bool(raw.get("isUnique")), relation=relation)


def _default(raw: dict, kind: str, enum_values: dict[str, dict[str, str]]) -> object:
    value = raw.get("default")
    if isinstance(value, dict) and "name" in value:
        return Function(value["name"], tuple(json.dumps(a) for a in value.get("args", [])))
    return _literal(raw["type"], kind, value, enum_values)


def _literal(type_name: str, kind: str, value: object, enum_values: dict[str, dict[str, str]]) -> object:
    """A DMMF default as MongoDB stores it."""
    if isinstance(value, list):
        return [_literal(type_name, kind, v, enum_values) for v in value]
    if value is None:
        return None
    if kind == "enum":
        return enum_values[type_name].get(value, value)
    if type_name in ("Int", "BigInt"):
        return int(value)
    if type_name == "Float":
        return float(value)
    if type_name == "DateTime":
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment.astimezone(datetime.UTC).replace(tzinfo=None) if moment.tzinfo else moment
    if type_name == "Json" and isinstance(value, str):
        return json.loads(value)
    if type_name == "Bytes" and isinstance(value, str):
        return base64.b64decode(value)
    return value


# ---------------------------------------------------------------- defaults

def creation_time(doc: dict) -> datetime.datetime | None:
    """When a document was created: its createdAt, else its ObjectId's time; never the clock."""
    value = doc.get("createdAt")
    if isinstance(value, datetime.datetime):
        return value
    _id = doc.get("_id")
    if isinstance(_id, ObjectId):
        return _id.generation_time.replace(tzinfo=None)
    return None


def default_value(spec: Field, created: datetime.datetime | None) -> object:
    """What Prisma would have written for an absent field when it created the document, derived
    without the clock so that the same document always gives the same value; MISSING when nothing
    can be derived (no default, or a function such as uuid() whose value cannot be known)."""
    if spec.updated_at or spec.default == NOW:
        return created if created is not None else MISSING
    if not spec.has_default or isinstance(spec.default, Function):
        return MISSING
    return copy.deepcopy(spec.default)


def complete(model: Model, doc: dict) -> tuple[dict, list[str]]:
    """A copied document as Prisma can read it: ``doc`` with Prisma's default wherever a required
    field is absent (in embedded documents too), and without the explicit nulls in a unique key's
    optional part (MongoDB indexes null and missing alike, so they would collide; Prisma reads a
    missing optional field as null). Returns the document and the paths it filled or cleared; every
    other value is kept as it is, fields the model does not know included."""
    out = dict(doc)
    changed: list[str] = []
    _fill(model.fields, model.types, out, creation_time(doc), changed, "")
    for index in model.unique_keys():
        for key in index.fields:
            if "." not in key and key in out and out[key] is None:
                del out[key]
                changed.append(f"{key} (null left out of {index.name})")
    return out, changed


def _fill(fields: dict[str, Field], types: dict[str, CompositeType], doc: dict,
          created: datetime.datetime | None, changed: list[str], prefix: str) -> None:
    for spec in fields.values():
        key = spec.db_name
        if key in doc:
            value = doc[key]
            if spec.kind == "composite" and isinstance(value, dict):
                doc[key] = inner = dict(value)
                _fill(types[spec.type].fields, types, inner, created, changed, f"{prefix}{key}.")
            elif spec.kind == "composite" and spec.is_list and isinstance(value, list):
                doc[key] = items = [dict(v) if isinstance(v, dict) else v for v in value]
                for item in items:
                    if isinstance(item, dict):
                        _fill(types[spec.type].fields, types, item, created, changed, f"{prefix}{key}[].")
            continue
        if spec.optional or spec.is_list or spec.is_id:
            continue
        value = default_value(spec, created)
        if value is not MISSING:
            doc[key] = value
            changed.append(prefix + key)


# ---------------------------------------------------------------- documents

def validate_document(model: Model, doc: dict, enums: dict[str, tuple[str, ...]], *,
                      allow_unknown: bool = False) -> list[str]:
    """What would stop Prisma from reading ``doc`` as a ``model``; [] when it is valid.

    A missing non-null field is a problem even when it has a @default or is @updatedAt: Prisma applies
    those only when it creates a document. A missing list reads as [] and is accepted. Where Prisma's
    reader would convert a value with a loss (a double read as Int), the value is a problem. A field the
    model does not know is a problem unless ``allow_unknown`` (Prisma ignores it; a copied document
    keeps it). Embedded documents of composite types are checked the same way. Values are never
    quoted (they may be secrets); only their types are.
    """
    return _problems(f"model {model.name}", model.fields, model.types, doc, enums, allow_unknown, "")


def _problems(owner: str, fields: dict[str, Field], types: dict[str, CompositeType], doc: dict,
              enums: dict[str, tuple[str, ...]], allow_unknown: bool, prefix: str) -> list[str]:
    problems: list[str] = []
    by_key = {f.db_name: f for f in fields.values()}
    if not allow_unknown:
        problems += [f"unknown field {prefix + key!r} (not in {owner})" for key in doc if key not in by_key]
    for key, spec in by_key.items():
        shown = prefix + key
        if key not in doc:
            if spec.optional or spec.is_list:
                continue
            if spec.has_default or spec.updated_at:
                problems.append(f"missing field {shown!r}: it is non-null, and its @default/@updatedAt "
                                "applies only when Prisma creates a document")
            else:
                problems.append(f"missing required field {shown!r}")
            continue
        value = doc[key]
        if value is None:
            if not spec.optional:
                problems.append(f"null in non-optional field {shown!r}")
            continue
        if spec.is_list:
            if not isinstance(value, list):
                problems.append(f"{shown!r} must be a list of {_expected(spec)}, got {type(value).__name__}")
                continue
            for i, item in enumerate(value):
                problems += _value_problems(spec, item, f"{shown}[{i}]", f"{shown}[{i}]", types, enums,
                                            allow_unknown)
        else:
            problems += _value_problems(spec, value, repr(shown), shown, types, enums, allow_unknown)
    return problems


def _value_problems(spec: Field, value: object, label: str, path: str, types: dict[str, CompositeType],
                    enums: dict[str, tuple[str, ...]], allow_unknown: bool) -> list[str]:
    if spec.kind == "composite":
        if not isinstance(value, dict):
            return [f"{label} must be {_expected(spec)}, got {type(value).__name__}"]
        return _problems(f"type {spec.type}", types[spec.type].fields, types, value, enums, allow_unknown,
                         path + ".")
    problem = _type_problem(spec, value, enums)
    return [f"{label} {problem}"] if problem else []


def _expected(spec: Field) -> str:
    if spec.kind == "composite":
        return f"a {spec.type} (embedded document)"
    return "an ObjectId" if spec.object_id else spec.type


def _type_problem(spec: Field, value: object, enums: dict[str, tuple[str, ...]]) -> str | None:
    if spec.kind == "enum":
        if not isinstance(value, str) or value not in enums[spec.type]:
            shown = repr(value) if isinstance(value, str) else type(value).__name__
            return f"is {shown}, not a {spec.type} value ({', '.join(enums[spec.type])})"
        return None
    if spec.object_id:
        ok = isinstance(value, ObjectId)
    elif spec.type == "Json":
        ok = True
    elif spec.type in ("Int", "BigInt"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and spec.type == "Int" and not _INT32_MIN <= value <= _INT32_MAX:
            return "is outside the 32-bit range of Int"
    elif spec.type == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif spec.type == "String":
        # Prisma reads an ObjectId in a String field as its hex string (prisma-engines,
        # mongodb-query-connector value.rs): lossless, so not a problem.
        ok = isinstance(value, str | ObjectId)
    else:
        ok = isinstance(value, {"String": str, "Boolean": bool, "DateTime": datetime.datetime,
                                "Decimal": Decimal128, "Bytes": bytes | Binary}[spec.type])
    return None if ok else f"must be {_expected(spec)}, got {type(value).__name__}"
