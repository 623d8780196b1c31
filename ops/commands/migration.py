"""`meeshy-ops migrate`, `verify`, `delta`: the migration engine's commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from pymongo.errors import PyMongoError

from ops.db import one_line
from ops.errors import OpsError
from ops.migration import progress
from ops.migration.delta import apply_delta
from ops.migration.engine import migrate
from ops.migration.report import migration_table, print_table, verification_table
from ops.migration.results import VerificationFailed, VerificationReport
from ops.migration.verify import verify

_path = click.Path(path_type=Path)


class UtcTime(click.ParamType):
    """A moment in UTC, as ISO 8601: ``2026-01-25 21:34:16``, ``2026-01-25T21:34:16.123456+00:00`` (what
    migrate-to-staging records as T0) or with another offset, converted to UTC. Not in the future."""

    name = "TIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a time: use ISO 8601, e.g. 2026-01-25T21:34:16+00:00", param, ctx)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        now = datetime.now(UTC).replace(tzinfo=None)
        if moment > now:
            self.fail(f"{value} is in the future (it is {now:%Y-%m-%d %H:%M:%S} UTC): T0 is when the backup was taken",
                      param, ctx)
        return moment


@contextmanager
def _one_line_database_errors() -> Iterator[None]:
    """A database that fails mid-run (its disk full, the connection lost) is one line for the operator."""
    try:
        yield
    except PyMongoError as exc:
        raise OpsError(f"the database failed during the run: {one_line(exc)} (the run can be started again: "
                       "it resumes where it stopped)") from exc


@click.command("migrate")
@click.option("--source", required=True, help="Legacy database, mongodb://HOST:PORT/meeshy (read only).")
@click.option("--target", required=True, help="Target database, empty or written by an earlier run.")
@click.option("--plan", "plan_path", type=_path, help="JSON plan overriding the fate of collections.")
@click.option("--schema", "schema_path", type=_path, help="schema.prisma of the target (default: shipped).")
@click.option("--dry-run", is_flag=True, help="Transform and validate everything, write nothing.")
@click.option("--report", "report_path", type=_path, help="Write the JSON report here.")
@click.option("--t0", type=UtcTime(), help="When the source backup was taken (ISO 8601, UTC unless an offset is "
              "given); recorded for delta.")
@click.option("--reject-threshold", type=click.IntRange(min=0),
              help="Fail the run if more documents than this are rejected.")
def migrate_command(source: str, target: str, plan_path: Path | None, schema_path: Path | None, dry_run: bool,
                    report_path: Path | None, t0: datetime | None, reject_threshold: int | None) -> None:
    """Migrate the legacy database into the Prisma shape: every document is transformed, validated
    against the schema, its relations and unique keys checked, then upserted by _id in batches, or
    rejected into the `_meeshy_rejects` collection with its reason. Idempotent: run it again after an
    interruption. The Prisma-named indexes are built after the data. The dry run reports exactly what
    the real run does, and writes nothing."""
    with _one_line_database_errors():
        report = migrate(source, target, plan_path=plan_path, schema_path=schema_path, dry_run=dry_run,
                         report_path=report_path, t0=t0, reject_threshold=reject_threshold, show_progress=True)
    print_table(migration_table(report))
    for reject in report.rejects[:50]:
        click.echo(f"rejected {reject['collection']} {reject['_id']}: {reject['reason']}")
    if len(report.rejects) > 50:
        click.echo(f"… {len(report.rejects) - 50} more rejects in the report")
    report.ensure_ok()


@click.command("verify")
@click.option("--source", required=True, help="The legacy database the migration read.")
@click.option("--target", required=True, help="The migrated database.")
@click.option("--plan", "plan_path", type=_path, help="The plan the migration used, if not the default.")
@click.option("--schema", "schema_path", type=_path, help="schema.prisma of the target (default: shipped).")
@click.option("--report", "report_path", type=_path, help="Write the JSON report here.")
def verify_command(source: str, target: str, plan_path: Path | None, schema_path: Path | None,
                   report_path: Path | None) -> None:
    """Prove the target is what the migration must make of the source: counts add up
    (source = migrated + rejected, copies equal, drops absent), every document's fingerprint equals
    the transform of its source, required relations resolve, unique keys hold, documents satisfy the
    schema, indexes exist. Exits non-zero on any discrepancy."""
    try:
        with _one_line_database_errors():
            report = verify(source, target, plan_path=plan_path, schema_path=schema_path, report_path=report_path)
    except VerificationFailed as failed:
        _show_verification(failed.report)
        raise
    _show_verification(report)


def _show_verification(report: VerificationReport) -> None:
    print_table(verification_table(report))
    for collection, kinds in report.discrepancies.items():
        for kind, examples in kinds.items():
            click.echo(f"{collection}: {kind}: {', '.join(examples[:5])}")


@click.command("delta")
@click.option("--source", required=True, help="The legacy database (production), read only.")
@click.option("--target", required=True, help="The migrated database.")
@click.option("--since", type=UtcTime(), help="T0 (ISO 8601, UTC unless an offset is given; default: the T0 "
              "recorded in the target).")
@click.option("--mode", type=click.Choice(["timestamps", "fingerprints"]), default="timestamps",
              show_default=True, help="fingerprints: decide every document again (when updatedAt lies).")
@click.option("--schema", "schema_path", type=_path, help="schema.prisma of the target (default: shipped).")
@click.option("--report", "report_path", type=_path, help="Write the JSON report here.")
def delta_command(source: str, target: str, since: datetime | None, mode: str, schema_path: Path | None,
                  report_path: Path | None) -> None:
    """Apply to the target every insert, update and delete the source received since T0, so that
    the target equals a full migration of the current source."""
    with _one_line_database_errors():
        report = apply_delta(source, target, since, mode=mode, schema_path=schema_path, report_path=report_path)
    progress.say(f"delta since {report.since} ({mode}, changes found by {report.found_by}) in {report.seconds} s: "
                 + ", ".join(f"{k} {v}" for k, v in report.totals.items()))
    for name, row in report.collections.items():
        click.echo(f"{name}: " + ", ".join(f"{k} {v}" for k, v in row.items() if k != "fate"))


commands = [migrate_command, verify_command, delta_command]
