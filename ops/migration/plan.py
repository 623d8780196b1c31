"""The fate of every legacy collection, decided against the target schema.

Each legacy collection is matched to the model that reads it in the new schema: the model whose
collection (its ``@@map`` name, else its name) has the collection's name; else the model the legacy
schema mapped to that name (``call_sessions`` was ``@@map("call_sessions")`` on ``CallSession``, which
the new schema reads from ``CallSession``); else the model of that name, read under its ``@@map``. A
collection read under another name is carried to it. Its fate:

- **migrate**: transformed (``transforms.py``) into its model; the plan needs that model;
- **copy**: into its model, each document checked against it with Prisma's defaults filled; a
  collection no model reads is copied unchanged only where the plan names it, and the report says
  the app will not read it;
- **drop**: not carried (the source is never modified).

Defaults follow the runbook (design.md, "The data"). A plan file is JSON, its entries override the
defaults: ``{"collections": {"Name": "migrate|copy|drop"}, "models": {"legacy_name": "Model"}}``
(``models`` adds to the legacy schema's renames).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ops.errors import OpsError
from ops.migration.schema import Model, Schema

MIGRATE, COPY, DROP = "migrate", "copy", "drop"
FATES = (MIGRATE, COPY, DROP)
UNDECIDED = "undecided"  # only in the report of a plan that cannot run

# Order matters: a collection comes after every collection its required relations point to.
MIGRATED = (
    "User", "Community", "CommunityMember", "Conversation", "ConversationMember", "Message",
    "MessageAttachment", "MessageTranslation", "Reaction", "Mention", "FriendRequest",
)
DROPPED = (
    "Notification", "MessageAttachment_backup_urls", "old_message_status", "TypingIndicator",
    "AnonymousParticipant", "ConversationPreference", "UserPreference",
)

# The legacy collections neither migrated nor dropped: carried over, into their model where one reads them.
COPIED = (
    "MessageReadStatus", "AffiliateToken", "ConversationShareLink", "TrackingLink", "AdminAuditLog",
    "AffiliateRelation", "TrackingLinkClick", "user_conversation_categories", "UserStats", "call_sessions",
    "call_participants", "MessageStatus", "user_conversation_preferences",
)

# The legacy schema (06c4a4ab5, reference/migration-spec.md §1.3) mapped these models to these
# collections; the new schema has no @@map on them, so Prisma reads the model's own name.
LEGACY_MAPS = {
    "call_sessions": "CallSession",
    "call_participants": "CallParticipant",
    "user_conversation_categories": "UserConversationCategory",
    "user_conversation_preferences": "UserConversationPreferences",
}

# Collections the tool itself keeps in the target; never part of a plan.
META_COLLECTION = "_meeshy_migration"
REJECTS_COLLECTION = "_meeshy_rejects"
INTERNAL = (META_COLLECTION, REJECTS_COLLECTION)


@dataclass
class Overrides:
    """The operator's plan file: fates, and legacy collection → model renames."""

    fates: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    fates: dict[str, str] = field(default_factory=dict)  # source collection → fate
    models: dict[str, str | None] = field(default_factory=dict)  # source collection → the model that reads it
    targets: dict[str, str] = field(default_factory=dict)  # source collection → target collection (not drops)
    notes: dict[str, list[str]] = field(default_factory=dict)  # source collection → what the operator must know
    unplanned: list[str] = field(default_factory=list)  # present in the source, named by no plan
    unfed: list[str] = field(default_factory=list)  # models no collection feeds
    order: list[str] = field(default_factory=list)  # every collection, parents before children
    problems: list[str] = field(default_factory=list)  # why the plan cannot run; [] when it can

    def fate(self, collection: str) -> str:
        return self.fates[collection]

    def target(self, collection: str) -> str:
        return self.targets[collection]

    def ordered(self, fate: str) -> list[str]:
        return [c for c in self.order if self.fates[c] == fate]

    def checked(self) -> list[str]:
        """Collections whose documents are checked against their model (migrated, and copies that a
        model reads), parents before children."""
        return [c for c in self.order if self.fates[c] != DROP and self.models.get(c)]

    def unchanged(self) -> list[str]:
        """Copies no model reads: carried byte for byte."""
        return [c for c in self.order if self.fates[c] == COPY and not self.models.get(c)]

    def source_of(self, target: str) -> str | None:
        return next((c for c, t in self.targets.items() if t == target), None)

    def written(self) -> set[str]:
        return set(self.targets.values())


def default_fates() -> dict[str, str]:
    return {**{c: MIGRATE for c in MIGRATED}, **{c: COPY for c in COPIED}, **{c: DROP for c in DROPPED}}


def load_overrides(path: Path | None) -> Overrides:
    if path is None:
        return Overrides()
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8"), object_pairs_hook=_refuse_twice)
    except UnicodeDecodeError as exc:
        raise OpsError(f"cannot read the plan {path}: it is not UTF-8 (byte {exc.start})") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise OpsError(f"cannot read the plan {path}: {exc}") from exc
    except ValueError as exc:  # from _refuse_twice
        raise OpsError(f"plan {path}: {exc}") from exc
    entries = data.get("collections") if isinstance(data, dict) else None
    models = data.get("models", {}) if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not isinstance(models, dict):
        raise OpsError(f"plan {path}: expected an object {{\"collections\": {{name: fate}}, "
                       "\"models\": {legacy name: model}}} (models optional)")
    for name, fate in entries.items():
        if fate not in FATES:
            raise OpsError(f"plan {path}: collection {name!r} has fate {fate!r}; use one of {', '.join(FATES)}")
        if fate == MIGRATE and name not in MIGRATED:
            raise OpsError(f"plan {path}: no transform exists for {name!r}; it can only be copied or dropped")
    return Overrides(dict(entries), {str(k): str(v) for k, v in models.items()})


def _refuse_twice(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are unique (json keeps the last of two silently)."""
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"names {key!r} twice; name each collection once")
        seen[key] = value
    return seen


def match_model(collection: str, schema: Schema, renames: dict[str, str]) -> tuple[Model | None, str | None]:
    """The model that reads a legacy collection in the new schema, and how it was found when not by
    its collection's name."""
    model = schema.model_for_collection(collection)
    if model is not None:
        return model, None
    renamed = schema.models.get(renames.get(collection, ""))
    if renamed is not None:
        return renamed, (f"renamed: the legacy schema mapped {renamed.name} to {collection!r}; "
                         f"the new schema reads {renamed.collection!r}")
    model = schema.models.get(collection)
    if model is not None:
        return model, f"renamed: model {model.name} is read from @@map({model.collection!r})"
    return None, None


def build_plan(source_collections: list[str], schema: Schema, overrides: Overrides | None = None, *,
               strict: bool = True) -> Plan:
    """The plan for the collections the source actually has. It cannot run (``problems``) when the
    schema defines no model or lacks one the plan migrates into, when a collection no model reads
    is named by no plan, or when two collections would be written to one: ``strict`` raises
    OpsError then, before anything is written; otherwise the plan is returned for its report."""
    overrides = overrides or Overrides()
    where = f" {schema.path}" if schema.path else ""
    known = {**default_fates(), **overrides.fates}
    renames = {**LEGACY_MAPS, **overrides.models}
    plan = Plan()
    if not schema.models:  # one line says it all
        plan.problems.append(f"the Prisma schema{where} defines no model: there is nothing to migrate into")
        if strict:
            ensure_runnable(plan)
        return plan
    for name in sorted(source_collections):
        if name in INTERNAL or name.startswith("system."):
            continue
        fate = known.get(name)
        if fate == MIGRATE:
            model, how = schema.models.get(name), None
        else:
            model, how = match_model(name, schema, renames)
        notes = [how] if how else []
        if fate == MIGRATE and model is None:
            plan.problems.append(f"the Prisma schema{where} has no model {name}, which the plan migrates "
                                 f"the legacy collection {name!r} into (its transform writes that model)")
            notes.append(f"no model {name} in this schema: it cannot be migrated")
        if fate is None and model is None:
            plan.problems.append(f"the legacy collection {name!r} is in no plan and no model of the schema{where} "
                                 "reads it: name it in --plan as \"copy\" (kept, but the app will not read it) "
                                 "or \"drop\"")
            fate = UNDECIDED
            notes.append("in no plan, and no model reads it: the plan must say copy or drop")
        elif fate is None:
            fate = COPY
            plan.unplanned.append(name)
            notes.append("in no plan: copied into its model")
        plan.fates[name] = fate
        plan.models[name] = model.name if model else None
        if fate == DROP and model is not None:
            notes.append(f"dropped by plan, although model {model.name} could read it (from {model.collection!r})")
        elif fate == COPY and model is None:
            plan.targets[name] = name
            notes.append("no model reads it: copied unchanged, the app will not read it")
        elif fate in (MIGRATE, COPY) and model is not None:
            plan.targets[name] = model.collection
        plan.notes[name] = notes
    by_target: dict[str, list[str]] = {}
    for name, target in plan.targets.items():
        by_target.setdefault(target, []).append(name)
    plan.problems += [f"the legacy collections {' and '.join(map(repr, names))} would both be written to "
                      f"{target!r}: drop one of them in --plan"
                      for target, names in by_target.items() if len(names) > 1]
    fed = {plan.models[c] for c in plan.targets if plan.models[c]}
    plan.unfed = sorted(m for m in schema.models if m not in fed)
    plan.order = _order(plan, schema)
    if strict:
        ensure_runnable(plan)
    return plan


def ensure_runnable(plan: Plan) -> None:
    if plan.problems:
        raise OpsError("the plan cannot run: " + "; ".join(plan.problems))


def _order(plan: Plan, schema: Schema) -> list[str]:
    """Parents before children (required relations between the models the collections feed), then
    the runbook's order of the migrated collections, then names."""
    rank = {name: i for i, name in enumerate(MIGRATED)}
    by_model = {m: c for c, m in plan.models.items() if m and c in plan.targets}
    parents: dict[str, set[str]] = {}
    for name in plan.fates:
        model = schema.models.get(plan.models[name] or "") if name in plan.targets else None
        wanted = {by_model.get(r.model) for r in model.required_relations()} if model else set()
        parents[name] = {p for p in wanted if p and p != name}
    ordered: list[str] = []
    pending = sorted(plan.fates, key=lambda c: (rank.get(c, len(rank)), c))
    while pending:
        ready = next((c for c in pending if parents[c] <= set(ordered)), pending[0])  # a cycle: keep going
        ordered.append(ready)
        pending.remove(ready)
    return ordered


def describe(plan: Plan, schema: Schema, counts: dict[str, int] | None = None) -> dict:
    """The plan report: per collection its fate, the model and collection it goes to, and what the
    operator must know; then the models no collection feeds (the target holds them empty)."""
    rows = {}
    for name in plan.order:
        row: dict = {"fate": plan.fates[name], "model": plan.models[name], "target": plan.targets.get(name)}
        if counts is not None and name in counts:
            row["documents"] = counts[name]
        row["notes"] = plan.notes[name]
        rows[name] = row
    return {"schema": str(schema.path) if schema.path else None, "models": len(schema.models),
            "composite_types": len(schema.types), "collections": rows,
            "models_without_source": plan.unfed,
            "not_read_by_the_app": plan.unchanged(), "problems": plan.problems}


def describe_lines(report: dict) -> list[str]:
    """The plan report as text for the operator."""
    lines = [f"plan against {report['schema'] or 'the schema'} ({report['models']} models, "
             f"{report['composite_types']} composite types):"]
    width = max((len(n) for n in report["collections"]), default=0)
    for name, row in report["collections"].items():
        docs = f" ({row['documents']} documents)" if "documents" in row else ""
        if row["target"] is None:
            where = ""
        elif row["model"]:
            where = f" → {row['target']} (model {row['model']})"
        else:
            where = f" → {row['target']} (no model)"
        notes = f" — {'; '.join(row['notes'])}" if row["notes"] else ""
        lines.append(f"  {name:<{width}}  {row['fate']:<7}{where}{docs}{notes}".rstrip())
    unfed = report["models_without_source"]
    lines.append(f"models no legacy collection feeds ({len(unfed)}; their collections are created empty, "
                 f"with their indexes): {', '.join(unfed) or 'none'}")
    lines += [f"the plan cannot run: {problem}" for problem in report["problems"]]
    return lines
