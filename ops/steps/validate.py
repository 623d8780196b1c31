"""validate --env staging|production: run the matching pytest suite against the stack and keep its report."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from ops.config.site import Site, timestamp
from ops.errors import OpsError
from ops.paths import ROOT
from ops.steps.results import Validation

SUITE_TIMEOUT_S = 1200
CHECKS_PACKAGE = "meeshy_checks"  # the suites, installed with meeshy-ops (its pytest plugin)


def validate(site: Site, env_name: str, report_dir: Path, target_env: Path | None = None,
             workers: int = 0) -> Validation | None:
    """Run ``pytest -m <env_name>`` (on ``target_env``, a CHECK_* file, when given; the stack's
    endpoints otherwise); record pass/fail with the migration it ran on. Raises when it failed.

    Two invocations: every check but the load (on ``workers`` xdist workers), then the load checks
    alone. The gateway's limiter gives everyone behind the proxy one bucket of 300 requests a minute,
    which the runbook-size load spends for minutes; beside it every other check would wait for it."""
    env = site.staging if env_name == "staging" else site.production
    if site.would(
        f"run `pytest -m {env_name}` against the {env_name} stack; keep the report in {report_dir}"
    ):
        return None
    if not site.engine.serving(env):
        raise OpsError(f"the {env_name} stack is not serving; nothing to validate")
    migration = site.read_state(f"{site.staging.state_dir}/migration.json")
    results = Path(report_dir).resolve() / f"allure-results-{env_name}"
    # The environment wins over a target file: without one, the stack and the migration state say
    # where to look; with one, it alone does (and the caller's CHECK_* variables are left out).
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CHECK_")}
    if target_env is None:  # the child's environment only: never printed, its output masked below
        environ.update(site.target(env_name, report_dir).values)
    phases = {}
    for phase, marks, phase_workers in (
        ("checks", f"{env_name} and not load", workers),
        ("load", f"{env_name} and load", 0),
    ):
        phases[phase] = _run_phase(site, env_name, phase, marks, phase_workers, results, report_dir, environ,
                                   target_env, clean=(phase == "checks"))
    passed = all(p["exit_code"] == 0 for p in phases.values())
    summary = "; ".join(f"{name}: {p['summary']}" for name, p in phases.items())
    state = {
        "env": env_name,
        "migration_id": migration.get("migration_id"),
        "passed": passed,
        "exit_code": max(p["exit_code"] for p in phases.values()),
        "summary": summary,
        "phases": phases,
        "junit": phases["checks"]["junit"],
        "allure_results": str(results),
        "started_at": phases["checks"]["started_at"],
        "finished_at": phases["load"]["finished_at"],
    }
    site.write_state(f"{env.directory}/state/validation-{env_name}.json", state)
    site.echo(f"suite {env_name}: {'PASSED' if passed else 'FAILED'} ({summary})")
    if not passed:
        failed = [p["junit"] for p in phases.values() if p["exit_code"] != 0]
        raise OpsError(f"the {env_name} suite failed: {summary}; report in {', '.join(failed)}")
    return Validation(**state)


def _run_phase(site: Site, env_name: str, phase: str, marks: str, workers: int, results: Path,
               report_dir: Path, environ: dict, target_env: Path | None, clean: bool) -> dict:
    """One pytest invocation of the suite; its output kept (secrets masked) in suite-ENV-PHASE.log."""
    junit = Path(report_dir).resolve() / f"junit-{env_name}-{phase}-{timestamp()}.xml"
    command = [
        sys.executable, "-m", "pytest", "-m", marks, "-p", "no:cacheprovider", "-q",
        f"--alluredir={results}", *(["--clean-alluredir"] if clean else []), f"--junitxml={junit}",
        *(["--target-env", str(target_env)] if target_env else []),
        *(["-n", str(workers)] if workers else []),
        "--pyargs", CHECKS_PACKAGE,
    ]
    started = datetime.now(UTC)
    site.echo(f"suite {env_name}, {phase}: pytest -m '{marks}'" + (f" -n {workers}" if workers else ""))
    proc = subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=SUITE_TIMEOUT_S
    )
    output = site.host.mask(proc.stdout + proc.stderr)
    (Path(report_dir) / f"suite-{env_name}-{phase}.log").write_text(output)
    finished = datetime.now(UTC)
    return {
        "exit_code": proc.returncode,
        "summary": output.strip().splitlines()[-1].strip("= ") if output.strip() else "",
        "seconds": round((finished - started).total_seconds(), 1),
        "junit": str(junit),
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
    }
