"""What `rs.initiate()` leaves on a replica set member that the tools read: its oplog.

FerretDB has no replication, but it records every insert, update and delete in ``local.oplog.rs``
once that capped collection exists, in MongoDB's entry format. Made once, with the entry a new set
starts with; kept across restarts (it lives in /data/db, as the real one does).

    initiate PORT
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import pymongo
from bson import Timestamp
from pymongo.errors import PyMongoError

OPLOG_BYTES = 990 * 1024**2  # mongod's smallest default oplog size
DEADLINE_S = 120


def initiate(port: int) -> None:
    client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                                 serverSelectionTimeoutMS=DEADLINE_S * 1000)
    local = client["local"]
    if "oplog.rs" in local.list_collection_names():
        return
    local.create_collection("oplog.rs", capped=True, size=OPLOG_BYTES)
    now = datetime.now(UTC)
    local["oplog.rs"].insert_one({"op": "n", "ns": "", "o": {"msg": "initiating set"},
                                  "ts": Timestamp(int(now.timestamp()), 1), "t": 1, "v": 2,
                                  "wall": now.replace(tzinfo=None)})


def main(argv: list[str]) -> int:
    started = time.monotonic()
    while True:
        try:
            initiate(int(argv[0]))
            return 0
        except PyMongoError as exc:
            if time.monotonic() - started > DEADLINE_S:
                print(f"mongod (FerretDB stand-in): no oplog made: {exc}", file=sys.stderr)
                return 1
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
