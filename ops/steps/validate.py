"""validate --env staging|production: run the matching pytest suite against the stack and keep its report."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from ops.errors import OpsError
from ops.paths import ROOT
from ops.site import Site, timestamp
from ops.steps.results import Validation

SUITE_TIMEOUT_S = 1200


def validate(site: Site, env_name: str, report_dir: Path, target_env: Path | None = None,
             workers: int = 0) -> Validation | None:
    """Run ``pytest -m <env_name>`` (on ``target_env``, a CHECK_* file, when given; the stack's
    endpoints otherwise); record pass/fail with the migration it ran on. Raises when it failed."""
    env = site.staging if env_name == "staging" else site.production
    if site.would(
        f"run `pytest -m {env_name}` against the {env_name} stack; keep the report in {report_dir}"
    ):
        return None
    if not site.engine.serving(env):
        raise OpsError(f"the {env_name} stack is not serving; nothing to validate")
    migration = site.read_state(f"{site.staging.state_dir}/migration.json")
    results = Path(report_dir).resolve() / f"allure-results-{env_name}"
    junit = Path(report_dir).resolve() / f"junit-{env_name}-{timestamp()}.xml"
    # The environment wins over a target file: without one, the stack and the migration state say
    # where to look; with one, it alone does (and the caller's CHECK_* variables are left out).
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CHECK_")}
    if target_env is None:
        environ.update({
            "CHECK_TARGET": env_name,
            "CHECK_GATEWAY_URL": site.gateway_urls[env_name],
            "CHECK_MONGODB_TUNNEL": f"{site.database_address(env)}:27017",
            "CHECK_MONGODB_DATABASE": site.staging_database if env_name == "staging" else site.next_database,
            "CHECK_VERIFY_TLS": "false" if site.tls_for(env_name) is False else "true",
        })
        for key in ("migration_report", "verify_report"):
            local = Path(report_dir).resolve() / f"{env_name}-{key}.json"
            if migration.get(key) and site.host.exists(migration[key]):
                site.host.get(migration[key], local)
                environ[f"CHECK_{key.upper()}"] = str(local)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        env_name,
        "-p",
        "no:cacheprovider",
        "-q",
        f"--alluredir={results}",
        "--clean-alluredir",
        f"--junitxml={junit}",
        *(["--target-env", str(target_env)] if target_env else []),
        *(["-n", str(workers)] if workers else []),
        str(ROOT / "tests" / "suites"),
    ]
    started = datetime.now(UTC)
    proc = subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=SUITE_TIMEOUT_S
    )
    output = site.host.mask(proc.stdout + proc.stderr)
    (Path(report_dir) / f"suite-{env_name}.log").write_text(output)
    tail = output.strip().splitlines()[-1].strip("= ") if output.strip() else ""
    state = {
        "env": env_name,
        "migration_id": migration.get("migration_id"),
        "passed": proc.returncode == 0,
        "exit_code": proc.returncode,
        "summary": tail,
        "junit": str(junit),
        "allure_results": str(results),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
    }
    site.write_state(f"{env.directory}/state/validation-{env_name}.json", state)
    site.echo(f"suite {env_name}: {'PASSED' if state['passed'] else 'FAILED'} ({tail})")
    if not state["passed"]:
        raise OpsError(f"the {env_name} suite failed: {tail}; report in {junit}")
    return Validation(**state)
