"""MongoDB's filter, sort and projection semantics over documents in memory, for the operators the
gateway's queries use. Anything else raises :class:`Unsupported`, and the caller asks the database.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bson import ObjectId

Doc = dict[str, Any]
MISSING = object()


class Unsupported(Exception):
    """A filter, sort or projection this module does not evaluate."""


def get(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _same(a: Any, b: Any) -> bool:
    # BSON booleans and numbers are different types (True != 1); int, long and double compare by value.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _equals(value: Any, target: Any) -> bool:
    if value is MISSING:
        return target is None
    if isinstance(value, list) and not isinstance(target, list):
        return any(_same(v, target) for v in value)
    return _same(value, target)


def _comparable(value: Any, target: Any) -> bool:
    kinds = ((int, float), (str,), (datetime,), (ObjectId,))
    return any(
        isinstance(value, k) and isinstance(target, k) and not isinstance(value, bool) and not isinstance(target, bool)
        for k in kinds
    )


def _regex(value: Any, pattern: Any, options: str) -> bool:
    if not isinstance(value, str) or not isinstance(pattern, str):
        return False
    flags = (re.IGNORECASE if "i" in options else 0) | (re.MULTILINE if "m" in options else 0)
    return re.search(pattern, value, flags) is not None


def _operator(op: str, arg: Any, value: Any, cond: Doc) -> bool:
    if op == "$eq":
        return _equals(value, arg)
    if op == "$ne":
        return not _equals(value, arg)
    if op == "$in":
        return any(_equals(value, t) for t in arg)
    if op == "$nin":
        return not any(_equals(value, t) for t in arg)
    if op == "$exists":
        return (value is not MISSING) == bool(arg)
    if op == "$regex":
        return _regex(value, arg, cond.get("$options", ""))
    if op in ("$lt", "$lte", "$gt", "$gte"):
        if value is MISSING or not _comparable(value, arg):
            return False
        return {"$lt": value < arg, "$lte": value <= arg, "$gt": value > arg, "$gte": value >= arg}[op]
    raise Unsupported(op)


def _is_operator_doc(cond: Any) -> bool:
    return isinstance(cond, dict) and bool(cond) and all(k.startswith("$") for k in cond)


def matches(doc: Doc, flt: Doc) -> bool:
    for key, cond in flt.items():
        if key == "$or":
            if not any(matches(doc, f) for f in cond):
                return False
        elif key == "$and":
            if not all(matches(doc, f) for f in cond):
                return False
        elif key.startswith("$"):
            raise Unsupported(key)
        elif _is_operator_doc(cond):
            value = get(doc, key)
            if not all(_operator(op, arg, value, cond) for op, arg in cond.items() if op != "$options"):
                return False
        elif isinstance(cond, (dict, list)):
            raise Unsupported(f"equality with a {type(cond).__name__} on {key}")
        elif not _equals(get(doc, key), cond):
            return False
    return True


def check(flt: Doc) -> None:
    """Raise Unsupported now for a filter that :func:`matches` could not evaluate."""
    matches({}, flt)


# BSON's order between types (MongoDB's sort order); missing sorts as null.
def _rank(value: Any) -> tuple[int, Any]:
    if value is MISSING or value is None:
        return (1, 0)
    if isinstance(value, bool):
        return (8, value)
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, ObjectId):
        return (7, value.binary)
    if isinstance(value, datetime):
        return (9, value)
    raise Unsupported(f"sort on a {type(value).__name__}")


def sort(docs: list[Doc], spec: list[tuple[str, int]]) -> list[Doc]:
    out = list(docs)
    for key, direction in reversed(spec):  # stable: the last key first
        out.sort(key=lambda d: _rank(get(d, key)), reverse=direction < 0)
    return out


def normalize_sort(key: Any, direction: Any = None) -> list[tuple[str, int]]:
    if key is None:
        return []
    if isinstance(key, str):
        return [(key, int(direction or 1))]
    if isinstance(key, dict):
        return [(k, int(v)) for k, v in key.items()]
    return [(k, int(v)) for k, v in key]


def project(doc: Doc, projection: Any) -> Doc:
    if not projection:
        return doc
    if isinstance(projection, (list, tuple)):
        projection = {k: 1 for k in projection}
    if any(k != "_id" and "." in k for k in projection):
        raise Unsupported("projection of a dotted path")
    included = {k for k, v in projection.items() if v and k != "_id"}
    if included:
        out = {k: doc[k] for k in doc if k in included}
        if projection.get("_id", 1) and "_id" in doc:
            out = {"_id": doc["_id"], **out}
        return out
    excluded = {k for k, v in projection.items() if not v}
    return {k: v for k, v in doc.items() if k not in excluded}
