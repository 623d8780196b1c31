"""verify passes on a faithful migration and fails on each kind of discrepancy injected."""

from __future__ import annotations

import json

import pytest
from bson import ObjectId

from ops.migration.engine import migrate
from ops.migration.results import VerificationFailed, VerificationReport
from ops.migration.verify import verify
from tests.migration.conftest import database, failed_verification, run_cli


@pytest.fixture
def migrated(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    assert migrate(source, target).ok
    return source, target


def _kinds(report: VerificationReport, collection: str) -> set[str]:
    return set(report.discrepancies.get(collection, {}))


def test_a_faithful_migration_verifies(migrated):
    report = verify(*migrated)
    assert report.ok, report.failures
    assert all(row["accounted"] for row in report.collections.values())


def test_a_missing_document_fails(migrated):
    source, target = migrated
    database(target)["Message"].delete_one({})
    report = failed_verification(source, target)
    assert not report.ok
    assert "missing document" in _kinds(report, "Message")
    assert "unaccounted" in _kinds(report, "Message")


def test_a_failed_verification_raises_with_its_report_written_first(migrated, tmp_path):
    source, target = migrated
    database(target)["Message"].delete_one({})
    out = tmp_path / "verify.json"
    with pytest.raises(VerificationFailed, match="verification failed: Message: 1 × missing document") as failed:
        verify(source, target, report_path=out)
    assert json.loads(out.read_text()) == json.loads(json.dumps(failed.value.report.to_json(), default=str))
    assert json.loads(out.read_text())["ok"] is False


def test_an_altered_field_fails_and_names_the_field(migrated):
    source, target = migrated
    user = database(target)["User"].find_one({"username": "alice_fr"})
    database(target)["User"].update_one({"_id": user["_id"]}, {"$set": {"bio": "changed"}})
    report = failed_verification(source, target)
    assert any("bio" in line for line in report.discrepancies["User"]["altered document"])


def test_a_broken_reference_fails(migrated):
    source, target = migrated
    reaction = database(target)["Reaction"].find_one({})
    database(target)["Reaction"].update_one({"_id": reaction["_id"]}, {"$set": {"messageId": ObjectId()}})
    assert "broken reference" in _kinds(failed_verification(source, target), "Reaction")


def test_a_missing_index_fails(migrated):
    source, target = migrated
    database(target)["User"].drop_index("User_email_key")
    report = failed_verification(source, target)
    assert report.discrepancies["User"]["missing index"] == ["User_email_key"]


def test_an_unexpected_document_and_a_schema_violation_fail(migrated):
    source, target = migrated
    database(target)["Mention"].insert_one({"_id": ObjectId(), "messageId": "not-an-objectid"})
    report = failed_verification(source, target)
    assert {"unexpected document", "schema violation"} <= _kinds(report, "Mention")


def test_a_copied_collection_altered_fails(migrated):
    source, target = migrated
    database(target)["MessageStatus"].update_one({}, {"$set": {"readAt": "tampered"}})
    assert "altered document" in _kinds(failed_verification(source, target), "MessageStatus")


def test_the_cli_exits_non_zero_and_writes_json(migrated, tmp_path):
    source, target = migrated
    database(target)["Conversation"].delete_one({})
    out = tmp_path / "verify.json"
    result = run_cli("verify", "--source", source, "--target", target, "--report", str(out))
    assert result.returncode != 0
    assert "verification failed" in result.stderr
    assert '"ok": false' in out.read_text()
