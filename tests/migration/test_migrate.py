"""migrate: every document accounted for, rejects with reasons, dry run, idempotence, indexes."""

from __future__ import annotations

from datetime import datetime

from ops.migration.engine import migrate
from ops.migration.plan import REJECTS_COLLECTION
from ops.migration.schema import DEFAULT_SCHEMA_PATH, load_schema
from tests.migration.conftest import database, run_cli, state


def test_every_source_document_is_migrated_rejected_copied_or_dropped(legacy, db_url):
    source, summary = legacy
    report = migrate(source, db_url("target"))
    totals = report.totals
    assert report.ok, report.failures
    assert totals["source"] == summary.total
    assert totals["source"] == totals["migrated"] + totals["rejected"] + totals["copied"] + totals["dropped"]
    assert set(report.collections) == set(summary.counts)


def test_each_deliberate_anomaly_is_rejected_and_nothing_else(legacy, db_url):
    source, summary = legacy
    target = db_url("target")
    report = migrate(source, target)
    expected = {(c, str(i)) for pairs in summary.anomalies.values() for c, i in pairs}
    assert {(r["collection"], r["_id"]) for r in report.rejects} == expected
    quarantine = list(database(target)[REJECTS_COLLECTION].find())
    assert {(q["collection"], str(q["sourceId"])) for q in quarantine} == expected
    originals = {d["_id"]: d for d in database(source)["Community"].find()}
    community = next(q for q in quarantine if q["collection"] == "Community")
    assert community["document"] == originals[community["sourceId"]]
    assert "name" in community["reason"]


def test_dry_run_writes_nothing_and_predicts_the_real_run(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    dry = migrate(source, target, dry_run=True)
    assert database(target).list_collection_names() == []
    real = migrate(source, target)
    for key in ("source", "migrated", "rejected", "copied", "dropped"):
        assert dry.totals[key] == real.totals[key], key
    assert dry.rejects == real.rejects


def test_a_second_run_changes_nothing(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    migrate(source, target)
    before = state(target)
    again = migrate(source, target)
    assert again.totals["written"] == 0
    assert state(target) == before


def test_the_source_is_never_modified(legacy, db_url):
    source, _ = legacy
    before = state(source)
    migrate(source, db_url("target"))
    assert state(source) == before


def test_prisma_named_indexes_are_built_after_the_data(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    report = migrate(source, target)
    schema = load_schema(DEFAULT_SCHEMA_PATH)
    db = database(target)
    for model in schema.models.values():
        names = set(db[model.collection].index_information())
        assert {i.name for i in model.indexes} <= names, model.name
    assert set(report.indexes) == {f"{m.collection}.{i.name}" for m in schema.models.values() for i in m.indexes}
    assert set(report.indexes.values()) == {"ok"}
    assert report.schema["models"] == 11 and report.schema["parse_seconds"] > 0


def test_a_collection_in_no_plan_that_no_model_reads_is_refused_before_anything_is_written(legacy, db_url):
    source, _ = legacy
    database(source)["SomethingNew"].insert_many([{"k": 1}, {"k": 2}])
    target = db_url("target")
    result = run_cli("migrate", "--source", source, "--target", target)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'SomethingNew' is in no plan and no model of the schema" in result.stderr
    assert database(target).list_collection_names() == []


def test_a_collection_the_plan_copies_that_no_model_reads_is_copied_unchanged_and_reported(legacy, db_url,
                                                                                          tmp_path):
    source, _ = legacy
    database(source)["SomethingNew"].insert_many([{"k": 1}, {"k": 2}])
    plan = tmp_path / "plan.json"
    plan.write_text('{"collections": {"SomethingNew": "copy"}}')
    target = db_url("target")
    report = migrate(source, target, plan_path=plan)
    row = report.collections["SomethingNew"]
    assert (row["copied"], row["model"], row["target"]) == (2, None, "SomethingNew")
    assert row["notes"] == ["no model reads it: copied unchanged, the app will not read it"]
    assert "SomethingNew" in report.plan_report["not_read_by_the_app"]
    assert database(target)["SomethingNew"].count_documents({}) == 2


def test_a_plan_file_can_drop_a_collection(legacy, db_url, tmp_path):
    source, _ = legacy
    plan = tmp_path / "plan.json"
    plan.write_text('{"collections": {"MessageStatus": "drop"}}')
    target = db_url("target")
    report = migrate(source, target, plan_path=plan)
    assert report.collections["MessageStatus"]["fate"] == "drop"
    assert "MessageStatus" not in database(target).list_collection_names()


def test_reject_threshold_turns_the_run_red(legacy, db_url):
    source, _ = legacy
    result = run_cli("migrate", "--source", source, "--target", db_url("target"), "--reject-threshold", "3")
    assert result.returncode != 0
    assert "exceed the threshold of 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_t0_is_recorded_in_the_target(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    t0 = datetime(2026, 1, 25, 21, 34, 16)
    migrate(source, target, t0=t0)
    assert database(target)["_meeshy_migration"].find_one({"_id": "run"})["t0"] == t0
