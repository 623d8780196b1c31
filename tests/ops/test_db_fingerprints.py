"""Fingerprints (the backup's and rollback's proof) over what a real MongoDB can hold."""

from __future__ import annotations

from bson.datetime_ms import DatetimeMS
from bson.int64 import Int64

from ops.db import client, fingerprints

FAR = DatetimeMS(1_737_840_856_000_000)  # a date in µs stored as ms: the year 57040


def test_a_date_after_9999_is_fingerprinted_not_raised(db_url):
    url = db_url("fingerprints")
    with client(url) as c:
        c.get_database()["Message"].insert_many([{"_id": 1, "createdAt": FAR}, {"_id": 2, "n": Int64(3)}])
        assert c.get_database()["Message"].find_one({"_id": 1})["createdAt"] == FAR  # read back as it is
    assert fingerprints(url)["Message"]["count"] == 2


def test_a_stored_type_change_changes_the_fingerprint(db_url):
    """Int64(3) and 3 are equal numbers; the stored type is part of what a rollback must give back."""
    urls = db_url("int64"), db_url("int32")
    for url, value in zip(urls, (Int64(3), 3), strict=True):
        with client(url) as c:
            c.get_database()["Stats"].insert_one({"_id": 1, "n": value})
    assert fingerprints(urls[0])["Stats"]["sha256"] != fingerprints(urls[1])["Stats"]["sha256"]
