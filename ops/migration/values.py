"""Values a real MongoDB can deliver that Python or Prisma cannot take as they are.

- a date outside the years 1-9999 (a timestamp in microseconds stored as milliseconds): pymongo
  fails the whole read with InvalidBSON unless told to read it as a ``DatetimeMS``;
- a string that is not valid UTF-8 (MongoDB stores what old drivers sent): pymongo fails the read
  unless told how to decode it; ``surrogateescape`` keeps its bytes, recoverable;
- a top-level field name starting with ``$``: MongoDB (5.0+) inserts it, but refuses it in a
  replacement, which is how a second run or a delta rewrites a changed document.

Documents are read with ``READ`` so that nothing aborts a run; the pipeline rejects a document
whose target holds such a value, with the place and the reason (``unwritable``), and the quarantine
keeps the original with each undecodable string as its raw bytes (``storable``). Dotted and
``$``-prefixed names below the top level, NaN and ±Infinity are stored and read back by MongoDB and
Prisma alike: they are carried, and checked against the schema like any value. FerretDB refuses to
store all of these but the dates, so they are tested on documents (tests/transforms/test_values.py).
"""

from __future__ import annotations

from bson import Binary
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.datetime_ms import DatetimeMS
from bson.raw_bson import RawBSONDocument

UNDECODABLE = "surrogateescape"
READ = CodecOptions(tz_aware=False, datetime_conversion=DatetimeConversion.DATETIME_AUTO,
                    unicode_decode_error_handler=UNDECODABLE)
RAW = CodecOptions(document_class=RawBSONDocument, datetime_conversion=DatetimeConversion.DATETIME_AUTO,
                   unicode_decode_error_handler=UNDECODABLE)


def _undecodable(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unwritable(doc: dict) -> list[str]:
    """Why ``doc`` cannot be written as it is, or read by Prisma; [] when it can."""
    problems = [f"field {key!r} starts with $: MongoDB refuses such a top-level name in a replacement"
                for key in doc if isinstance(key, str) and key.startswith("$")]
    return problems + _value_problems(doc, "")


def _value_problems(value: object, path: str) -> list[str]:
    if isinstance(value, str):
        return [f"{path!r} is not valid UTF-8"] if _undecodable(value) else []
    if isinstance(value, DatetimeMS):
        return [f"{path!r} is a date outside the years 1-9999 ({int(value)} ms since 1970: a timestamp in "
                "microseconds stored as milliseconds?)"]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _value_problems(item, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _value_problems(item, f"{path}[{i}]")]
    return []


def storable(value: object) -> object:
    """``value`` with each undecodable string replaced by its original bytes (everything else as is)."""
    if isinstance(value, str):
        return Binary(value.encode("utf-8", UNDECODABLE)) if _undecodable(value) else value
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value
