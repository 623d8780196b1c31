"""A backup restores to exactly what was dumped, on this machine and over SSH; corruption is caught."""

from __future__ import annotations

import datetime as dt

import pymongo
import pytest
from bson import ObjectId

from ops.backup import BackupRecord, PymongoArchiveTool, compare_fingerprints, fingerprints, verify_checksum
from ops.errors import OpsError


def _seed(url: str) -> None:
    with pymongo.MongoClient(url) as client:
        db = client.get_default_database()
        db["User"].insert_many([{"_id": ObjectId(), "username": f"u{i}",
                                 "createdAt": dt.datetime(2026, 1, i + 1)} for i in range(20)])
        db["User"].create_index("username", unique=True, name="User_username_key")
        db["Message"].insert_many([{"_id": ObjectId(), "content": f"m{i}", "n": i} for i in range(50)])


def test_restore_equals_the_dump_and_the_record_says_so(host, db_url, tmp_path):
    source, target = db_url("src"), db_url("dst")
    _seed(source)
    archive = str(tmp_path / "backups" / "b.archive.gz")
    record = PymongoArchiveTool().dump(host, source, archive)
    assert record.documents == 70 and record.collections["Message"]["count"] == 50
    assert BackupRecord.load(host, archive).sha256 == host.sha256(archive)
    PymongoArchiveTool().restore(host, archive, target)
    assert compare_fingerprints(record.collections, fingerprints(target)) == []
    with pymongo.MongoClient(target) as client:
        names = {ix["name"] for ix in client.get_default_database()["User"].list_indexes()}
    assert "User_username_key" in names


def test_a_changed_document_shows_in_the_fingerprints(db_url):
    url = db_url("fp")
    _seed(url)
    before = fingerprints(url)
    with pymongo.MongoClient(url) as client:
        client.get_default_database()["Message"].update_one({"n": 3}, {"$set": {"content": "edited"}})
    problems = compare_fingerprints(before, fingerprints(url))
    assert len(problems) == 1 and problems[0].startswith("Message: expected 50 documents")


def test_a_corrupt_archive_is_refused(db_url, tmp_path):
    from ops.host import LocalHost

    host, url = LocalHost(), db_url("corrupt")
    _seed(url)
    record = PymongoArchiveTool().dump(host, url, str(tmp_path / "c.archive.gz"))
    with open(record.archive, "ab") as f:
        f.write(b"x")
    with pytest.raises(OpsError, match="corrupt"):
        verify_checksum(host, record)
