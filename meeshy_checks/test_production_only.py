"""Production only: writes made after T0 are present; no staging name in the production config; MongoDB
and Redis refuse strangers; the pre-switch snapshot exists with its manifest."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import allure
import pymongo
import pytest
from bson import ObjectId
from pymongo.errors import OperationFailure, PyMongoError

from meeshy_checks.checklib.hosts import mongodb_url, open_host

pytestmark = [pytest.mark.production, allure.feature("Production switch")]

PROBE_TIMEOUT_S = 3.0


def _as_id(value):
    if isinstance(value, dict) and "$oid" in value:
        return ObjectId(value["$oid"])
    return ObjectId(value) if isinstance(value, str) and ObjectId.is_valid(value) else value


def test_writes_after_t0_are_present(target, need):
    need("CHECK_RECORDED_WRITES")
    if target.missing("CHECK_MONGODB_URL") and target.missing("CHECK_MONGODB_TUNNEL", "CHECK_SSH_HOST"):
        need("CHECK_MONGODB_URL")
    path = Path(target.get("CHECK_RECORDED_WRITES"))
    writes = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert writes, f"{path} records no write"
    lost = []
    with mongodb_url(target) as url, pymongo.MongoClient(url, serverSelectionTimeoutMS=5000) as client:
        db = client[target.get("CHECK_MONGODB_DATABASE") or client.get_default_database("meeshy").name]
        for w in writes:
            found = db[w["collection"]].count_documents({"_id": _as_id(w["_id"])})
            if (w.get("op") == "delete") == bool(found):
                lost.append(f"{w.get('op', 'insert')} {w['collection']} {w['_id']}")
    assert not lost, f"{len(lost)} of {len(writes)} writes after T0 missing: {lost[:10]}"


def test_production_config_names_no_staging(target, need):
    need("CHECK_SSH_HOST", "CHECK_PRODUCTION_CONFIG_FILES")
    markers = target.get_list("CHECK_STAGING_MARKERS")
    host = open_host(target)
    try:
        hits = []
        for path in target.get_list("CHECK_PRODUCTION_CONFIG_FILES"):
            for number, line in enumerate(host.read_text(path).splitlines(), 1):
                hits += [f"{path}:{number} contains {m!r}" for m in markers if m in line]
    finally:
        host.close()
    assert not hits, "staging names in the production config: " + "; ".join(hits[:20])


def _open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def test_mongodb_refuses_unauthenticated_clients(target, need):
    need("CHECK_EXPOSED_HOST")
    host, exposed = target.get("CHECK_EXPOSED_HOST"), []
    for port in map(int, target.get_list("CHECK_EXPOSED_MONGODB_PORTS")):
        if not _open(host, port):
            continue
        try:
            with pymongo.MongoClient(host, port, serverSelectionTimeoutMS=3000, directConnection=True) as c:
                c.list_database_names()
            exposed.append(f"{host}:{port} lists databases without credentials")
        except OperationFailure:
            continue  # it answered and demanded authentication
        except PyMongoError as exc:
            exposed.append(f"{host}:{port} is open ({type(exc).__name__})")
    assert not exposed, "; ".join(exposed)


def test_redis_refuses_unauthenticated_clients(target, need):
    need("CHECK_EXPOSED_HOST")
    host, exposed = target.get("CHECK_EXPOSED_HOST"), []
    for port in map(int, target.get_list("CHECK_EXPOSED_REDIS_PORTS")):
        try:
            with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S) as conn:
                conn.settimeout(PROBE_TIMEOUT_S)
                conn.sendall(b"PING\r\n")
                answer = conn.recv(64)
        except OSError:
            continue  # closed or filtered
        if not answer.startswith((b"-NOAUTH", b"-DENIED")):
            exposed.append(f"{host}:{port} answered {answer[:20]!r} to PING without credentials")
    assert not exposed, "; ".join(exposed)


def test_pre_switch_snapshot_exists_with_manifest(target, need):
    need("CHECK_SSH_HOST", "CHECK_SNAPSHOT_DIR")
    directory = target.get("CHECK_SNAPSHOT_DIR")
    host = open_host(target)
    try:
        latest = host.check_output(
            "ls -1d -- %s/pre-switch-* 2>/dev/null | grep -v '\\.tar\\.gz$' | sort | tail -n 1", directory
        )
        assert latest, f"no pre-switch-<TS> snapshot under {directory}"
        manifest = next(
            (
                f"{latest}/{name}"
                for name in ("MANIFEST.md", "manifest.json")
                if host.exists(f"{latest}/{name}")
            ),
            None,
        )
        assert manifest, f"{latest} has no MANIFEST.md nor manifest.json"
        assert host.read_text(manifest).strip(), f"{manifest} is empty"
        allure.attach(host.read_text(manifest)[:20000], "snapshot manifest", allure.attachment_type.TEXT)
    finally:
        host.close()
