"""Seeded randomness: ObjectIds, dates and bcrypt salts derived from the seed only, so the same
seed always gives byte-identical documents."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from rehearsal.legacy_data.counts import LEGACY_COUNTS

START = datetime(2025, 3, 1, tzinfo=UTC)
END = datetime(2026, 1, 25, 21, 34, 16, tzinfo=UTC)  # the snapshot

_STD_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT_B64 = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_TO_BCRYPT = bytes.maketrans(_STD_B64, _BCRYPT_B64)
_COLLECTION_INDEX = {name: i for i, name in enumerate(LEGACY_COUNTS)}


def rng_for(seed: int, stage: str) -> random.Random:
    """An independent stream per stage, so a lazily generated collection does not depend on
    what was drawn before it."""
    return random.Random(f"{seed}:{stage}")


def bcrypt_salt(rng: random.Random, cost: int) -> bytes:
    """``$2b$<cost>$`` + 22 characters of bcrypt's base64 (16 random bytes, canonical encoding)."""
    raw = rng.getrandbits(128).to_bytes(16, "big")
    encoded = base64.b64encode(raw).rstrip(b"=").translate(_TO_BCRYPT)
    return b"$2b$%02d$" % cost + encoded


def random_date(rng: random.Random, lo: datetime, hi: datetime = END) -> datetime:
    """Uniform in [lo, hi], at millisecond precision (what a BSON Date keeps)."""
    if hi <= lo:
        return lo
    span_ms = int((hi - lo).total_seconds() * 1000)
    return lo + timedelta(milliseconds=rng.randint(0, span_ms))


def later(rng: random.Random, when: datetime, max_seconds: float) -> datetime:
    """A moment shortly after ``when`` (never after the snapshot)."""
    return min(END, when + timedelta(milliseconds=rng.randint(1000, int(max_seconds * 1000))))


class ObjectIds:
    """ObjectIds whose timestamp is the document's creation date: 4 bytes of time, 1 byte naming
    the collection, 4 random bytes and a 3-byte counter (unique across the whole dataset)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._rngs: dict[str, random.Random] = {}
        self._counters: dict[str, int] = {}

    def new(self, collection: str, created: datetime) -> ObjectId:
        rng = self._rngs.get(collection)
        if rng is None:
            rng = self._rngs[collection] = rng_for(self._seed, f"oid:{collection}")
        n = self._counters.get(collection, 0)
        self._counters[collection] = n + 1
        raw = (
            int(created.timestamp()).to_bytes(4, "big")
            + bytes([_COLLECTION_INDEX[collection]])
            + rng.getrandbits(32).to_bytes(4, "big")
            + (n & 0xFFFFFF).to_bytes(3, "big")
        )
        return ObjectId(raw)

    def dangling(self, rng: random.Random, created: datetime) -> ObjectId:
        """An id that names no document of the dataset (collection byte 0xFF is never used)."""
        raw = int(created.timestamp()).to_bytes(4, "big") + b"\xff" + rng.getrandbits(56).to_bytes(7, "big")
        return ObjectId(raw)
