"""Bad input: a clear message, a non-zero exit, and nothing written."""

from __future__ import annotations

import pytest

from ops.host.ports import free_port
from tests.migration.conftest import database, run_cli


def _fails_cleanly(result, *phrases: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


def test_a_source_that_does_not_answer(db_url):
    target = db_url("target")
    result = run_cli("migrate", "--source", f"mongodb://127.0.0.1:{free_port()}/meeshy", "--target", target)
    _fails_cleanly(result, "source database server", "does not answer")
    assert database(target).list_collection_names() == []


def test_a_source_database_that_does_not_exist(db_url):
    result = run_cli("migrate", "--source", db_url("nothing_here"), "--target", db_url("target"))
    _fails_cleanly(result, "does not exist")


def test_a_url_without_a_database_name(legacy):
    source, _ = legacy
    result = run_cli("migrate", "--source", source, "--target", source.rsplit("/", 1)[0] + "/")
    _fails_cleanly(result, "target URL", "not usable")


@pytest.mark.parametrize("content, phrase", [
    ("{not json", "cannot read the plan"),
    ('{"collections": {"User": "explode"}}', "has fate 'explode'"),
    ('{"collections": {"Notification": "migrate"}}', "no transform exists"),
])
def test_an_unreadable_or_wrong_plan(legacy, db_url, tmp_path, content, phrase):
    source, _ = legacy
    target = db_url("target")
    plan = tmp_path / "plan.json"
    plan.write_text(content)
    _fails_cleanly(run_cli("migrate", "--source", source, "--target", target, "--plan", str(plan)), phrase)
    assert database(target).list_collection_names() == []


def test_an_unreadable_schema(legacy, db_url, tmp_path):
    source, _ = legacy
    broken = tmp_path / "schema.prisma"
    broken.write_text("model User {\n  id String @id\n")
    result = run_cli("migrate", "--source", source, "--target", db_url("target"), "--schema", str(broken))
    _fails_cleanly(result, "schema.prisma")
    missing = run_cli("migrate", "--source", source, "--target", db_url("t2"), "--schema", str(tmp_path / "no"))
    _fails_cleanly(missing)


def test_a_target_holding_unrelated_data(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    database(target)["Invoices"].insert_one({"n": 1})
    _fails_cleanly(run_cli("migrate", "--source", source, "--target", target), "did not write")
    assert database(target).list_collection_names() == ["Invoices"]


def test_source_and_target_the_same_database(legacy):
    source, _ = legacy
    _fails_cleanly(run_cli("migrate", "--source", source, "--target", source), "same database")


def test_delta_without_a_completed_migration(legacy, db_url):
    source, _ = legacy
    _fails_cleanly(run_cli("delta", "--source", source, "--target", db_url("target")), "no completed migration")
