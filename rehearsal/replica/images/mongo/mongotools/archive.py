"""mongo-tools' archive format (common/archive/spec.md), one stream that a pipe or `docker exec -i` carries:

    magic 0x8199e26d (int32 LE) · header document · one metadata document per collection · terminator
    · (namespace header {db, collection, EOF: false, CRC: 0} · documents · terminator)*
    · per collection an EOF header {EOF: true, CRC: CRC-64-ECMA of its documents} · terminator

Documents are raw BSON, written and read as bytes (never re-encoded). With --gzip the whole stream is
gzipped. The writer emits one segment per collection, which the real mongorestore reads as well.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import bson

MAGIC = 0x8199E26D
TERMINATOR = b"\xff\xff\xff\xff"
FORMAT_VERSION = "0.1"
_MASK = (1 << 64) - 1

try:  # fastcrc's xz is CRC-64 with Go's ECMA table, as hash/crc64 computes it
    from fastcrc import crc64 as _fast

    def crc64(data: bytes, crc: int = 0) -> int:
        return _fast.xz(data, crc) if crc else _fast.xz(data)
except ImportError:  # pragma: no cover - the image installs fastcrc
    _TABLE = []
    for _i in range(256):
        _c = _i
        for _ in range(8):
            _c = (_c >> 1) ^ 0xC96C5795D7870F42 if _c & 1 else _c >> 1
        _TABLE.append(_c)

    def crc64(data: bytes, crc: int = 0) -> int:
        crc ^= _MASK
        for byte in data:
            crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        return crc ^ _MASK


class ArchiveError(Exception):
    """The stream is not a readable archive (wrong magic, truncated, CRC mismatch)."""


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass
class CollectionMeta:
    db: str
    collection: str
    metadata: str  # canonical extended JSON: {options, indexes, uuid, collectionName, type}
    size: int
    type: str = ""


class Writer:
    def __init__(self, out: BinaryIO, server_version: str, tool_version: str) -> None:
        self.out = out
        self.server_version, self.tool_version = server_version, tool_version

    def prelude(self, collections: list[CollectionMeta]) -> None:
        self.out.write(struct.pack("<I", MAGIC))
        self.out.write(bson.encode({"concurrent_collections": 1, "version": FORMAT_VERSION,
                                    "server_version": self.server_version, "tool_version": self.tool_version}))
        for meta in collections:
            self.out.write(bson.encode({"db": meta.db, "collection": meta.collection, "metadata": meta.metadata,
                                        "size": min(meta.size, 2**31 - 1), "type": meta.type}))
        self.out.write(TERMINATOR)

    def collection(self, db: str, collection: str, documents: Iterator[bytes]) -> int:
        """One namespace: a segment with its documents (when any), then its EOF header. Returns the count."""
        crc, count = 0, 0
        for raw in documents:
            if count == 0:
                self.out.write(bson.encode({"db": db, "collection": collection, "EOF": False, "CRC": bson.Int64(0)}))
            self.out.write(raw)
            crc = crc64(raw, crc)
            count += 1
        if count:
            self.out.write(TERMINATOR)
        self.out.write(bson.encode({"db": db, "collection": collection, "EOF": True,
                                    "CRC": bson.Int64(_signed(crc))}))
        self.out.write(TERMINATOR)
        return count


@dataclass
class Event:
    """What the reader yields: a document of a namespace, or the end of a namespace."""

    db: str
    collection: str
    raw: bytes | None  # None at the namespace's EOF


class Reader:
    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.header: dict = {}
        self.collections: list[CollectionMeta] = []

    def _read(self, n: int) -> bytes:
        """Up to n bytes, fewer only at the end of the stream."""
        data = b""
        try:
            while len(data) < n:
                more = self.stream.read(n - len(data))
                if not more:
                    break
                data += more
        except (OSError, EOFError, zlib.error) as exc:  # a corrupt or truncated gzip stream
            raise ArchiveError(f"corruption found in archive; {exc}") from None
        return data

    def _next(self, head: bytes | None = None) -> bytes | None:
        """The next raw BSON document, or None at a terminator."""
        head = head or self._read(4)
        if len(head) < 4:
            raise ArchiveError("corruption found in archive; unexpected EOF")
        if head == TERMINATOR:
            return None
        size = struct.unpack("<i", head)[0]
        if size < 5 or size > 48 * 1024 * 1024:
            raise ArchiveError(f"corruption found in archive; invalid BSON document length {size}")
        raw = head + self._read(size - 4)
        if len(raw) < size:
            raise ArchiveError("corruption found in archive; unexpected EOF")
        if raw[-1] != 0:
            raise ArchiveError("corruption found in archive; a BSON document does not end with a zero byte")
        return raw

    def read_prelude(self) -> None:
        magic = self._read(4)
        if len(magic) < 4 or struct.unpack("<I", magic)[0] != MAGIC:
            raise ArchiveError("stream or file does not appear to be a mongodump archive")
        raw = self._next()
        if raw is None:
            raise ArchiveError("corruption found in archive; missing header")
        self.header = bson.decode(raw)
        while (raw := self._next()) is not None:
            doc = bson.decode(raw)
            self.collections.append(CollectionMeta(doc["db"], doc["collection"], doc.get("metadata", ""),
                                                   doc.get("size", 0), doc.get("type", "")))

    def events(self) -> Iterator[Event]:
        """Documents and EOFs in stream order, checking each namespace's CRC at its EOF."""
        crcs: dict[tuple[str, str], int] = {}
        pending = {(m.db, m.collection) for m in self.collections}
        while pending:
            head = self._read(4)
            if not head:
                missing = ", ".join(f"{db}.{c}" for db, c in sorted(pending))
                raise ArchiveError(f"corruption found in archive; unexpected EOF before the end of {missing}")
            raw = self._next(head)
            if raw is None:
                raise ArchiveError("corruption found in archive; terminator where a namespace header was expected")
            header = bson.decode(raw)
            ns = (header.get("db", ""), header.get("collection", ""))
            if ns not in pending:
                raise ArchiveError(f"corruption found in archive; unknown namespace {ns[0]}.{ns[1]}")
            if header.get("EOF"):
                expected = header.get("CRC", 0) & _MASK
                if crcs.get(ns, 0) != expected:
                    raise ArchiveError(f"CRC mismatch for namespace {ns[0]}.{ns[1]}, {crcs.get(ns, 0)}!={expected}")
                if self._next() is not None:
                    raise ArchiveError("corruption found in archive; no terminator after an EOF header")
                pending.discard(ns)
                yield Event(ns[0], ns[1], None)
                continue
            while (doc := self._next()) is not None:
                crcs[ns] = crc64(doc, crcs.get(ns, 0))
                yield Event(ns[0], ns[1], doc)
