"""The plan from the schema: each legacy collection matched to the model that reads it, renamed
collections carried to their new names, collections no model reads copied only by plan, the report."""

from __future__ import annotations

import json

import pytest

from ops.errors import OpsError
from ops.migration.plan import COPY, DROP, MIGRATE, build_plan, default_fates, describe, describe_lines, load_overrides
from ops.migration.schema import DEFAULT_SCHEMA_PATH, load_schema

LEGACY = sorted(default_fates())  # the 31 collections of the 2026-01-25 snapshot
RENAMED = {"call_sessions": "CallSession", "call_participants": "CallParticipant",
           "user_conversation_categories": "UserConversationCategory",
           "user_conversation_preferences": "UserConversationPreferences"}
DATASOURCE = 'datasource db {\n  provider = "mongodb"\n  url      = env("DATABASE_URL")\n}\n'
ID = 'id String @id @default(auto()) @map("_id") @db.ObjectId'


def small_schema(tmp_path, *models: str):
    path = tmp_path / "small.prisma"
    path.write_text(DATASOURCE + "".join(f"model {m} {{\n  {ID}\n}}\n" if "{" not in m else m for m in models))
    return load_schema(path)


def test_the_shipped_schema_migrates_eleven_and_copies_the_rest_unchanged():
    plan = build_plan(LEGACY, load_schema(DEFAULT_SCHEMA_PATH))
    assert plan.fates == default_fates()
    assert {c: plan.targets[c] for c in plan.ordered(MIGRATE)} == {c: c for c in plan.ordered(MIGRATE)}
    assert plan.models["call_sessions"] is None and plan.targets["call_sessions"] == "call_sessions"
    assert plan.notes["MessageStatus"] == ["no model reads it: copied unchanged, the app will not read it"]
    assert "Notification" not in plan.targets and plan.unfed == [] and plan.unplanned == []
    assert plan.checked() == plan.ordered(MIGRATE)


def test_renamed_collections_are_carried_to_the_name_the_new_schema_reads(new_schema):
    schema = load_schema(new_schema)
    plan = build_plan(LEGACY, schema)
    for legacy, model in RENAMED.items():
        assert (plan.fates[legacy], plan.models[legacy], plan.targets[legacy]) == (COPY, model, model)
        assert plan.notes[legacy] == [f"renamed: the legacy schema mapped {model} to {legacy!r}; "
                                      f"the new schema reads {model!r}"]
    assert (plan.models["AffiliateToken"], plan.targets["AffiliateToken"]) == ("AffiliateToken", "AffiliateToken")
    assert plan.models["MessageStatus"] is None and plan.models["MessageReadStatus"] is None
    assert plan.unfed == ["NotificationPreference"]
    order = plan.checked()
    assert order[:11] == list(plan.ordered(MIGRATE))
    assert order.index("call_sessions") < order.index("call_participants")
    assert set(order[11:]) == {"AffiliateToken", "UserStats", *RENAMED}
    assert plan.unchanged() == [c for c in plan.order if c in
                                ("MessageReadStatus", "ConversationShareLink", "TrackingLink", "AdminAuditLog",
                                 "AffiliateRelation", "TrackingLinkClick", "MessageStatus")]


def test_a_model_read_under_its_map_name_takes_the_collection_of_its_name(tmp_path):
    schema = small_schema(tmp_path, f'model UserPreference {{\n  {ID}\n  @@map("user_preference")\n}}\n', "Note")
    plan = build_plan(["UserPreference", "Note"], schema)
    assert plan.fates["UserPreference"] == DROP
    assert plan.notes["UserPreference"] == [
        "renamed: model UserPreference is read from @@map('user_preference')",
        "dropped by plan, although model UserPreference could read it (from 'user_preference')"]
    assert plan.unfed == ["UserPreference"]
    kept = build_plan(["UserPreference"], schema, load_overrides(_plan(tmp_path, {"UserPreference": "copy"})))
    assert kept.targets == {"UserPreference": "user_preference"}


def test_a_collection_in_no_plan_is_copied_into_its_model_or_refused_without_one(tmp_path):
    schema = small_schema(tmp_path, "Note")
    plan = build_plan(["Note"], schema)
    assert (plan.fates["Note"], plan.targets["Note"], plan.unplanned) == (COPY, "Note", ["Note"])
    with pytest.raises(OpsError, match="'Scratch' is in no plan and no model of the schema .* reads it"):
        build_plan(["Note", "Scratch"], schema)
    plan = build_plan(["Note", "Scratch"], schema, load_overrides(_plan(tmp_path, {"Scratch": "copy"})))
    assert plan.models["Scratch"] is None and plan.notes["Scratch"][-1].endswith("the app will not read it")


def test_a_plan_file_can_name_a_model_for_a_legacy_collection(tmp_path):
    schema = small_schema(tmp_path, "CallSession")
    overrides = load_overrides(_plan(tmp_path, {"calls_v0": "copy"}, models={"calls_v0": "CallSession"}))
    plan = build_plan(["calls_v0"], schema, overrides)
    assert plan.targets == {"calls_v0": "CallSession"} and plan.models == {"calls_v0": "CallSession"}


def test_two_collections_written_to_one_are_refused(tmp_path):
    schema = small_schema(tmp_path, "CallSession")
    with pytest.raises(OpsError, match="'CallSession' and 'call_sessions' would both be written to 'CallSession'"):
        build_plan(["call_sessions", "CallSession"], schema)


def test_a_schema_without_a_model_the_plan_migrates_into_is_refused(tmp_path):
    with pytest.raises(OpsError, match="has no model Message, which the plan migrates"):
        build_plan(["User", "Message"], small_schema(tmp_path, "User"))


def test_an_empty_schema_is_refused(tmp_path):
    with pytest.raises(OpsError, match="defines no model"):
        build_plan(["User"], small_schema(tmp_path))


def test_the_plan_report_gives_fate_model_and_target_and_the_models_nothing_feeds(new_schema):
    schema = load_schema(new_schema)
    plan = build_plan(LEGACY, schema)
    report = describe(plan, schema, {"Notification": 94790})
    row = report["collections"]["call_sessions"]
    assert (row["fate"], row["model"], row["target"]) == (COPY, "CallSession", "CallSession")
    assert report["collections"]["Notification"] == {"fate": DROP, "model": None, "target": None,
                                                     "documents": 94790, "notes": []}
    assert report["models_without_source"] == ["NotificationPreference"]
    assert report["not_read_by_the_app"] == plan.unchanged()
    assert (report["models"], report["composite_types"]) == (18, 1)
    lines = describe_lines(report)
    assert any("call_sessions" in line and "→ CallSession (model CallSession)" in line for line in lines)
    assert any("MessageStatus" in line and "(no model)" in line and "the app will not read it" in line
               for line in lines)
    assert lines[-1].endswith("NotificationPreference")


def _plan(tmp_path, fates: dict, models: dict | None = None):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"collections": fates, **({"models": models} if models else {})}))
    return path


def test_a_plan_that_cannot_run_still_gives_its_report(tmp_path):
    schema = small_schema(tmp_path, "User", "Note")
    plan = build_plan(["User", "Message", "Scratch", "Note"], schema, strict=False)
    report = describe(plan, schema)
    assert report["collections"]["Message"]["notes"] == ["no model Message in this schema: it cannot be migrated"]
    assert report["collections"]["Scratch"]["fate"] == "undecided"
    lines = describe_lines(report)
    assert [line for line in lines if line.startswith("the plan cannot run")] == [
        f"the plan cannot run: {problem}" for problem in plan.problems]
    assert len(plan.problems) == 2
    with pytest.raises(OpsError, match="the plan cannot run: .*has no model Message.*'Scratch' is in no plan"):
        build_plan(["User", "Message", "Scratch", "Note"], schema)
