"""Content fingerprints: equal documents hash equal whatever the key order the server returns."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import bson

from ops.migration.values import storable


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def fingerprint(doc: dict) -> str:
    try:
        encoded = bson.encode(_canonical(doc))
    except UnicodeEncodeError:  # a string read from invalid UTF-8 (values.py): hashed as its bytes
        encoded = bson.encode(_canonical(storable(doc)))
    return hashlib.sha256(encoded).hexdigest()


def collection_hash(fingerprints: Iterable[tuple[Any, str]]) -> str:
    """One hash for a whole collection, from (_id, fingerprint) pairs in any order."""
    digest = hashlib.sha256()
    for _id, fp in sorted(fingerprints, key=lambda pair: str(pair[0])):
        digest.update(f"{_id}:{fp}\n".encode())
    return digest.hexdigest()
