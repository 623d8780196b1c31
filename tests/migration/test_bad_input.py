"""Bad input: a clear message, a non-zero exit, and nothing written."""

from __future__ import annotations

import pytest

from ops.host.ports import free_port
from rehearsal.legacy_data import generate
from tests.migration.conftest import SCALE, clone, database, run_cli, state


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
    ('{"collections": {"Notification": "drop"}, "models": {"x": "caf\xe9"}}'.encode("latin-1"), "is not UTF-8"),
    ('{"collections": {"MessageStatus": "copy", "MessageStatus": "drop"}}', "names 'MessageStatus' twice"),
])
def test_an_unreadable_or_wrong_plan(legacy, db_url, tmp_path, content, phrase):
    source, _ = legacy
    target = db_url("target")
    plan = tmp_path / "plan.json"
    plan.write_bytes(content if isinstance(content, bytes) else content.encode())
    _fails_cleanly(run_cli("migrate", "--source", source, "--target", target, "--plan", str(plan)), phrase)
    assert database(target).list_collection_names() == []


DATASOURCE = 'datasource db {\n  provider = "mongodb"\n  url      = env("DATABASE_URL")\n}\n'
ID = 'id String @id @default(auto()) @map("_id") @db.ObjectId'


@pytest.mark.parametrize("body, phrases", [
    ("model User {\n  id String @id\n", ["(P1012)", "schema.prisma:5", "This line is invalid"]),
    (f"model User {{\n  {ID}\n  c Community @relation(fields: [cId], references: [id])\n"
     "  cId String @db.ObjectId\n}\n",
     ["schema.prisma:7", 'Type "Community" is neither a built-in type, nor refers to another model']),
    ("", ["defines no model"]),
    (f"model User {{\n  {ID}\n}}\n", ["has no model Community, which the plan migrates"]),
], ids=["syntax", "unknown-relation", "empty", "models-missing"])
def test_a_schema_prisma_refuses_or_the_plan_cannot_use_is_refused_before_anything_is_written(
        legacy, db_url, tmp_path, body, phrases):
    source, _ = legacy
    schema = tmp_path / "schema.prisma"
    schema.write_text(DATASOURCE + body)
    target = db_url("target")
    result = run_cli("migrate", "--source", source, "--target", target, "--schema", str(schema))
    _fails_cleanly(result, *phrases)
    assert result.returncode == 2
    assert database(target).list_collection_names() == []


def test_a_missing_schema_file_is_refused(legacy, db_url, tmp_path):
    source, _ = legacy
    target = db_url("target")
    missing = run_cli("migrate", "--source", source, "--target", target, "--schema", str(tmp_path / "no"))
    _fails_cleanly(missing, "cannot read the Prisma schema")
    assert missing.returncode == 2
    assert database(target).list_collection_names() == []


def test_verify_and_delta_refuse_a_bad_schema_and_write_nothing(legacy, db_url, tmp_path):
    source, _ = legacy
    target = db_url("target")
    assert run_cli("migrate", "--source", source, "--target", target, "--t0", "2026-01-25 21:34:16").returncode == 0
    before = state(target)
    broken = tmp_path / "schema.prisma"
    broken.write_text(DATASOURCE + "model User {\n  id String @id\n")
    for verb in ("verify", "delta"):
        result = run_cli(verb, "--source", source, "--target", target, "--schema", str(broken))
        _fails_cleanly(result, "Prisma refuses the schema", "This line is invalid")
        assert result.returncode == 2
    assert state(target) == before


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


def _migrated(source: str, target: str) -> None:
    assert run_cli("migrate", "--source", source, "--target", target, "--t0", "2026-01-25 21:34:16").returncode == 0


@pytest.mark.parametrize("wrong, phrases", [
    ("the target", ["not a legacy one"]),
    ("the target, spelled localhost", ["not a legacy one"]),
    ("another legacy database", ["is not the database", "was migrated from"]),
])
def test_delta_refuses_a_source_the_target_was_not_migrated_from(legacy, db_url, wrong, phrases):
    source, _ = legacy
    target = db_url("target")
    _migrated(source, target)
    given = target.replace("127.0.0.1", "localhost") if "localhost" in wrong else target
    if wrong == "another legacy database":
        given = db_url("other")
        generate(database(given), scale=SCALE, seed=8)
    before = state(target)
    result = run_cli("delta", "--source", given, "--target", target)
    _fails_cleanly(result, *phrases)
    assert result.returncode == 2
    assert state(target) == before


def test_delta_accepts_the_source_restored_under_another_name(legacy, db_url):
    """The switch's case: staging migrated a restored copy; the delta reads production's own database."""
    source, _ = legacy
    target = db_url("target")
    _migrated(source, target)
    production = db_url("production")
    clone(source, production)
    result = run_cli("delta", "--source", production, "--target", target)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("text", ["", DATASOURCE], ids=["empty-file", "no-model"])
def test_an_unusable_schema_is_refused_by_every_verb_in_one_line_before_anything_is_written(
        legacy, db_url, tmp_path, text):
    source, _ = legacy
    target = db_url("target")
    _migrated(source, target)
    before = state(target)
    schema = tmp_path / "schema.prisma"
    schema.write_text(text)
    for verb in ("migrate", "verify", "delta"):
        result = run_cli(verb, "--source", source, "--target", target, "--schema", str(schema))
        _fails_cleanly(result)
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1, f"{verb}: {result.stderr}"
        assert len(result.stderr) < 300, f"{verb}: {result.stderr}"
    assert state(target) == before
    fresh = db_url("fresh")
    assert run_cli("migrate", "--source", source, "--target", fresh, "--schema", str(schema)).returncode == 2
    assert database(fresh).list_collection_names() == []
