"""The target Prisma schema, read from schema/schema.prisma, and checks of documents against it.

A small parser for the subset Meeshy's schema uses: ``//`` comments, ``model`` and ``enum`` blocks
(``datasource`` and ``generator`` are skipped), one field per line with its attributes, and the block
attributes ``@@unique``, ``@@index`` and ``@@map``. Attributes it does not know are kept out of the
model but tolerated, as Prisma's own would be.

>>> schema = load_schema(DEFAULT_SCHEMA_PATH)
>>> [i.name for i in schema.models["User"].indexes]
['User_username_key', 'User_email_key']
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path

from bson import Binary, Decimal128, ObjectId

from ops.errors import OpsError

DEFAULT_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "schema.prisma"

SCALAR_TYPES = frozenset({"String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json",
                          "Bytes"})
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Relation:
    model: str
    fields: tuple[str, ...]  # scalar foreign keys on this side; () on a back-relation
    references: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a scalar type, an enum name or a model name
    optional: bool
    is_list: bool
    is_id: bool
    object_id: bool  # @db.ObjectId
    db_name: str  # the key in the MongoDB document (@map)
    default: object | None  # "now"/"auto" for now()/auto(); a list default is shared: copy it before use
    has_default: bool
    updated_at: bool
    unique: bool
    relation: Relation | None


@dataclass(frozen=True)
class Index:
    name: str  # as `prisma db push` names it
    fields: tuple[str, ...]  # document keys
    unique: bool


@dataclass(frozen=True)
class Model:
    name: str
    collection: str
    fields: dict[str, Field]  # stored scalar fields, by model field name
    relations: dict[str, Field]  # virtual relation fields, back-relations included
    indexes: tuple[Index, ...]  # besides _id_

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


@dataclass(frozen=True)
class Schema:
    models: dict[str, Model]
    enums: dict[str, tuple[str, ...]]

    def model_for_collection(self, collection: str) -> Model | None:
        return next((m for m in self.models.values() if m.collection == collection), None)


# ---------------------------------------------------------------- attribute arguments

@dataclass(frozen=True)
class _Call:
    """A function in an argument: now(), auto(), or a field with options such as createdAt(sort: Desc)."""

    name: str


_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?(?![\w.]))'
                    r'|(?P<at>@@?)|(?P<name>[A-Za-z_][\w.]*)|(?P<punct>[\[\](){},:=?]))')


class _Tokens:
    def __init__(self, text: str, where: str) -> None:
        self.items: list[tuple[str, str]] = []
        self.where = where
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise self.error(f"unexpected text {text[pos:].strip()[:30]!r}")
            kind = match.lastgroup or ""
            self.items.append((kind, match.group(kind)))
            pos = match.end()
        self.pos = 0

    def error(self, message: str) -> OpsError:
        return OpsError(f"{self.where}: {message}")

    def peek(self) -> str | None:
        return self.items[self.pos][1] if self.pos < len(self.items) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.items):
            raise self.error(f"unexpected end of line{f', expected {expected!r}' if expected else ''}")
        kind, text = self.items[self.pos]
        if expected is not None and text != expected:
            raise self.error(f"expected {expected!r}, found {text!r}")
        self.pos += 1
        return kind, text

    def value(self) -> object:
        kind, text = self.take()
        if kind == "str":
            return json.loads(text) if "\\" in text else text[1:-1]
        if kind == "num":
            return float(text) if "." in text else int(text)
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return items
        if text == "{":
            obj = {}
            while self.peek() != "}":
                key = self.value()
                self.take(":")
                obj[key] = self.value()
                if self.peek() == ",":
                    self.take()
            self.take("}")
            return obj
        if kind == "name":
            if self.peek() == "(":
                self.arguments()
                return _Call(text)
            return {"true": True, "false": False, "null": None}.get(text, text)
        raise self.error(f"unexpected {text!r}")

    def arguments(self) -> tuple[list[object], dict[str, object]]:
        """``( a, key: b, … )`` after an attribute or a function name."""
        positional: list[object] = []
        named: dict[str, object] = {}
        self.take("(")
        while self.peek() != ")":
            if self.pos + 1 < len(self.items) and self.items[self.pos + 1][1] == ":" \
                    and self.items[self.pos][0] == "name":
                key = self.take()[1]
                self.take(":")
                named[key] = self.value()
            else:
                positional.append(self.value())
            if self.peek() == ",":
                self.take()
        self.take(")")
        return positional, named

    def attributes(self) -> list[tuple[str, list[object], dict[str, object]]]:
        """The rest of the line as ``@name(args)`` attributes (``@@`` ones keep their ``@@``)."""
        found = []
        while self.peek() is not None:
            kind, at = self.take()
            if kind != "at":
                raise self.error(f"expected an attribute starting with @, found {at!r}")
            name = at + self.take()[1]
            args: tuple[list[object], dict[str, object]] = ([], {})
            if self.peek() == "(":
                args = self.arguments()
            found.append((name, *args))
        return found


# ---------------------------------------------------------------- the file

_BLOCK_START = re.compile(r"^(\w+)\s+(\w+)\s*\{$")
_FIELD = re.compile(r"^(\w+)\s+(\w+)(\[\]|\?)?(?:\s+(.*))?$")


@dataclass
class _RawField:
    line: int
    name: str
    type: str
    modifier: str
    attrs: list[tuple[str, list[object], dict[str, object]]]


@dataclass
class _RawModel:
    line: int
    name: str
    fields: list[_RawField]
    block_attrs: list[tuple[int, str, list[object], dict[str, object]]]


def _strip_comment(line: str) -> str:
    """Cut a ``//`` comment, but not a ``//`` inside a string."""
    in_string = False
    for i, char in enumerate(line):
        if char == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
        elif char == "/" and not in_string and line[i:i + 2] == "//":
            return line[:i]
    return line


def load_schema(path: str | Path) -> Schema:
    """Parse a schema.prisma. Raises OpsError naming file:line on an unreadable file or a syntax error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OpsError(f"cannot read the Prisma schema {path}: {exc}") from exc
    raw_models, enums = _parse_blocks(text, str(path))
    models = {raw.name: _build_model(raw, raw_models, enums, str(path)) for raw in raw_models.values()}
    return Schema(models, enums)


def _parse_blocks(text: str, source: str) -> tuple[dict[str, _RawModel], dict[str, tuple[str, ...]]]:
    models: dict[str, _RawModel] = {}
    enums: dict[str, tuple[str, ...]] = {}
    kind, current, start = None, None, 0
    enum_values: list[str] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw_line).strip()
        where = f"{source}:{number}"
        if not line:
            continue
        if kind is None:
            match = _BLOCK_START.match(line)
            if match is None:
                raise OpsError(f"{where}: expected a block such as 'model Name {{', found {line[:40]!r}")
            kind, current, start = match.group(1), match.group(2), number
            if kind not in ("model", "enum", "datasource", "generator"):
                raise OpsError(f"{where}: '{kind}' blocks are not supported (only model, enum, "
                               "datasource and generator)")
            if (current in models or current in enums) and kind in ("model", "enum"):
                raise OpsError(f"{where}: {current} is defined twice")
            if kind == "model":
                models[current] = _RawModel(number, current, [], [])
            enum_values = []
            continue
        if line == "}":
            if kind == "enum":
                enums[current] = tuple(enum_values)
            kind = None
            continue
        if kind in ("datasource", "generator"):
            continue
        if kind == "enum":
            if not line.startswith("@@"):
                value, _, rest = line.partition(" ")
                if not re.fullmatch(r"\w+", value):
                    raise OpsError(f"{where}: invalid enum value {value!r}")
                _Tokens(rest, where).attributes()  # syntax check of @map and the like
                enum_values.append(value)
            continue
        model = models[current]
        if line.startswith("@@"):
            name, positional, named = _Tokens(line, where).attributes()[0]
            model.block_attrs.append((number, name, positional, named))
            continue
        match = _FIELD.match(line)
        if match is None:
            raise OpsError(f"{where}: expected a field 'name Type @attributes', found {line[:40]!r}")
        attrs = _Tokens(match.group(4) or "", where).attributes()
        model.fields.append(_RawField(number, match.group(1), match.group(2), match.group(3) or "", attrs))
    if kind is not None:
        raise OpsError(f"{source}:{start}: the {kind} block {current} is not closed with '}}'")
    return models, enums


def _build_model(raw: _RawModel, all_models: dict[str, _RawModel], enums: dict[str, tuple[str, ...]],
                 source: str) -> Model:
    fields: dict[str, Field] = {}
    relations: dict[str, Field] = {}
    relation_lines: dict[str, int] = {}
    for rf in raw.fields:
        where = f"{source}:{rf.line}"
        if rf.name in fields or rf.name in relations:
            raise OpsError(f"{where}: field {raw.name}.{rf.name} is defined twice")
        if rf.type not in SCALAR_TYPES and rf.type not in enums and rf.type not in all_models:
            raise OpsError(f"{where}: unknown type {rf.type!r} for {raw.name}.{rf.name} "
                           "(not a scalar type, an enum or a model of this file)")
        attrs = {name: (positional, named) for name, positional, named in rf.attrs}
        default_args = attrs.get("@default", ([None], {}))[0]
        default = default_args[0] if default_args else None
        if isinstance(default, _Call):
            default = default.name
        relation = None
        if rf.type in all_models:
            positional, named = attrs.get("@relation", ([], {}))
            relation = Relation(rf.type, tuple(_names(named.get("fields", []))),
                                tuple(_names(named.get("references", []))),
                                required=not rf.modifier)
            relation_lines[rf.name] = rf.line
        db_name = attrs["@map"][0][0] if attrs.get("@map", ([], {}))[0] else rf.name
        field = Field(rf.name, rf.type, rf.modifier == "?", rf.modifier == "[]", "@id" in attrs,
                      "@db.ObjectId" in attrs, str(db_name), default, "@default" in attrs,
                      "@updatedAt" in attrs, "@unique" in attrs, relation)
        (relations if relation else fields)[rf.name] = field
    for name, field in relations.items():
        for fk in field.relation.fields:
            if fk not in fields:
                raise OpsError(f"{source}:{relation_lines[name]}: relation {raw.name}.{name} names "
                               f"fields: [{fk}], which is not a scalar field of {raw.name}")
    return Model(raw.name, _collection(raw), fields, relations, _indexes(raw, fields, source))


def _names(values: object) -> list[str]:
    """Field references in a list: plain names, or createdAt(sort: Desc) calls."""
    return [v.name if isinstance(v, _Call) else str(v) for v in (values if isinstance(values, list) else [])]


def _collection(raw: _RawModel) -> str:
    for _, name, positional, named in raw.block_attrs:
        if name == "@@map":
            return str(positional[0] if positional else named.get("name", raw.name))
    return raw.name


def _indexes(raw: _RawModel, fields: dict[str, Field], source: str) -> tuple[Index, ...]:
    indexes: list[Index] = []

    def add(model_fields: list[str], unique: bool, custom_name: object, line: int) -> None:
        for name in model_fields:
            if name not in fields:
                raise OpsError(f"{source}:{line}: index of {raw.name} names {name!r}, "
                               "which is not a scalar field")
        keys = tuple(fields[name].db_name for name in model_fields)
        suffix = "key" if unique else "idx"
        indexes.append(Index(str(custom_name or f"{raw.name}_{'_'.join(keys)}_{suffix}"), keys, unique))

    for rf in raw.fields:
        for name, _, named in rf.attrs:
            if name == "@unique":
                add([rf.name], True, named.get("map"), rf.line)
    for line, name, positional, named in raw.block_attrs:
        if name in ("@@unique", "@@index"):
            add(_names(named.get("fields", positional[0] if positional else [])), name == "@@unique",
                named.get("map"), line)
    return tuple(indexes)


# ---------------------------------------------------------------- documents

def validate_document(model: Model, doc: dict, enums: dict[str, tuple[str, ...]]) -> list[str]:
    """What would stop Prisma from reading ``doc`` as a ``model``; [] when it is valid.

    A missing non-null field is a problem even when it has a @default or is @updatedAt: Prisma applies
    those only when it creates a document. A missing list reads as [] and is accepted. Values are never
    quoted (they may be secrets); only their types are.
    """
    problems: list[str] = []
    by_key = {f.db_name: f for f in model.fields.values()}
    problems += [f"unknown field {key!r} (not in model {model.name})" for key in doc if key not in by_key]
    for key, field in by_key.items():
        if key not in doc:
            if field.optional or field.is_list:
                continue
            if field.has_default or field.updated_at:
                problems.append(f"missing field {key!r}: it is non-null, and its @default/@updatedAt "
                                "applies only when Prisma creates a document")
            else:
                problems.append(f"missing required field {key!r}")
            continue
        value = doc[key]
        if value is None:
            if not field.optional:
                problems.append(f"null in non-optional field {key!r}")
            continue
        if field.is_list:
            if not isinstance(value, list):
                problems.append(f"{key!r} must be a list of {_expected(field)}, got {type(value).__name__}")
                continue
            for i, item in enumerate(value):
                problem = _type_problem(field, item, enums)
                if problem:
                    problems.append(f"{key}[{i}] {problem}")
        else:
            problem = _type_problem(field, value, enums)
            if problem:
                problems.append(f"{key!r} {problem}")
    return problems


def _expected(field: Field) -> str:
    return "an ObjectId" if field.object_id else field.type


def _type_problem(field: Field, value: object, enums: dict[str, tuple[str, ...]]) -> str | None:
    if field.type in enums:
        if not isinstance(value, str) or value not in enums[field.type]:
            shown = repr(value) if isinstance(value, str) else type(value).__name__
            return f"is {shown}, not a {field.type} value ({', '.join(enums[field.type])})"
        return None
    if field.object_id:
        ok = isinstance(value, ObjectId)
    elif field.type == "Json":
        ok = True
    elif field.type in ("Int", "BigInt"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and field.type == "Int" and not _INT32_MIN <= value <= _INT32_MAX:
            return "is outside the 32-bit range of Int"
    elif field.type == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, {"String": str, "Boolean": bool, "DateTime": datetime.datetime,
                                "Decimal": Decimal128, "Bytes": bytes | Binary}[field.type])
    return None if ok else f"must be {_expected(field)}, got {type(value).__name__}"
