"""Values a real MongoDB delivers that FerretDB cannot store (so no test on the server can hold them):
field names with '.' or '$', NaN and ±Infinity, invalid UTF-8; and dates after 9999. Each document is
encoded to BSON as the server would send it, read with the options the engine reads with, and decided
by the pipeline (ops/migration/values.py says what is carried and what is rejected)."""

from __future__ import annotations

import math

import bson
import pytest

from ops.migration.engine import reject_record
from ops.migration.fingerprint import fingerprint
from ops.migration.pipeline import CollectionStats, Pipeline
from ops.migration.schema import load_schema
from ops.migration.values import READ

from . import legacy_docs as legacy

BAD_UTF8 = b"caf\xe9 cr\xe8me"  # Latin-1 bytes stored by an old driver as a string
PLACEHOLDER = "Z" * len(BAD_UTF8)


def delivered(doc: dict) -> dict:
    """``doc`` as read from a real MongoDB: BSON bytes (PLACEHOLDER becomes invalid UTF-8), decoded."""
    raw = bson.encode(doc).replace(PLACEHOLDER.encode(), BAD_UTF8)
    return bson.decode(raw, codec_options=READ)


def message(pipeline: Pipeline, **overrides: object) -> dict:
    doc = legacy.message(**overrides)
    pipeline.registry.ids["Conversation"].add(doc["conversationId"])
    return delivered(doc)


def test_top_level_names_with_a_dot_or_a_dollar_are_left_out_of_a_migrated_document_and_counted(pipeline):
    stats = CollectionStats()
    outcome = pipeline.decide("Message", message(pipeline, **{"legacy.flag": 1, "$tag": "x"}), stats)
    assert not outcome.rejected, outcome.reason
    assert "legacy.flag" not in outcome.target and "$tag" not in outcome.target
    assert stats.without_target == {"legacy.flag": 1, "$tag": 1}


def test_names_with_a_dot_or_a_dollar_inside_a_json_field_are_carried(pipeline):
    metadata = {"key.v1": "k", "$alg": "aes", "nested": {"a.b": [1, {"$c": 2}]}}
    outcome = pipeline.decide("Message", message(pipeline, encryptionMetadata=metadata))
    assert not outcome.rejected, outcome.reason
    assert outcome.target["encryptionMetadata"] == metadata


def test_a_top_level_dollar_name_in_a_copy_is_rejected(tmp_path):
    path = tmp_path / "schema.prisma"
    path.write_text('datasource db {\n  provider = "mongodb"\n  url = env("X")\n}\n'
                    'model Note {\n  id String @id @default(auto()) @map("_id") @db.ObjectId\n  text String\n}\n')
    copies = Pipeline(load_schema(path), None)
    doc = delivered({"_id": bson.ObjectId(), "text": "kept", "a.b": 1})
    assert not copies.decide("Note", doc).rejected  # a dotted name is stored, and replaced, by MongoDB
    outcome = copies.decide("Note", delivered({"_id": bson.ObjectId(), "text": "kept", "$price": 5}))
    assert outcome.reason == "field '$price' starts with $: MongoDB refuses such a top-level name in a replacement"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_carried_in_a_float_and_rejected_in_an_int(pipeline, value):
    translation = legacy.translation(confidenceScore=value)
    pipeline.registry.ids["Message"].add(translation["messageId"])
    outcome = pipeline.decide("MessageTranslation", delivered(translation))
    assert not outcome.rejected, outcome.reason
    score = outcome.target["confidenceScore"]
    assert (math.isnan(score) if math.isnan(value) else score == value)
    attachment = legacy.attachment(fileSize=value)
    pipeline.registry.ids["Message"].add(attachment["messageId"])
    rejected = pipeline.decide("MessageAttachment", delivered(attachment))
    assert rejected.reason == "'fileSize' must be Int, got float"


def test_invalid_utf8_is_rejected_naming_the_field_and_quarantined_with_its_bytes(pipeline):
    doc = message(pipeline, content=PLACEHOLDER)
    outcome = pipeline.decide("Message", doc)
    assert outcome.reason == "'content' is not valid UTF-8"
    record = bson.decode(bson.encode(reject_record("Message", doc, outcome.reason)))
    assert record["document"]["content"] == BAD_UTF8  # Binary subtype 0 reads back as bytes
    assert fingerprint(doc) == fingerprint(dict(doc))  # verify and delta can hash it


def test_a_date_after_9999_is_read_not_raised_and_rejected_with_its_reason(pipeline):
    far = bson.encode({"v": bson.datetime_ms.DatetimeMS(1_737_840_856_000_000)})
    outcome = pipeline.decide("Message", message(pipeline, editedAt=bson.decode(far, codec_options=READ)["v"]))
    assert outcome.reason.startswith("'editedAt' is a date outside the years 1-9999 (1737840856000000 ms")
    with pytest.raises(bson.errors.InvalidBSON):
        bson.decode(far)  # what pymongo does with its default options: the run used to abort here
