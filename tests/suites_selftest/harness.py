"""Running the verification suites against a sandbox stack, as an operator would, and reading outcomes.

The suites run in a child pytest (``--target-env`` pointing at an env file written here), and their
outcomes are read back from the junit XML that pytest itself writes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pymongo

import meeshy_checks
from ops.config import Account, Secret, account_keys
from rehearsal.seed_accounts import (
    SUITE_ACCOUNTS,
    SUITE_TRANSLATION_LANGUAGES,
    TEST_COMMUNITY_IDENTIFIER,
    TEST_CONVERSATION_IDENTIFIER,
    by_username,
)
from sandbox.gateway.uploads import FILE_ROUTE

ROOT = Path(__file__).resolve().parents[2]
CHECKS = Path(meeshy_checks.__file__).resolve().parent  # the suites' package, where it is installed
HERE = Path(__file__).resolve().parent


def env_file_text(stack, mongodb_url: str, reports: dict[str, Path], extra: dict[str, str] | None = None) -> str:
    values = {
        "CHECK_TARGET": "sandbox",
        "CHECK_FRONTEND_URL": stack.web_url or "",
        "CHECK_GATEWAY_URL": stack.gateway_url,
        "CHECK_TRANSLATOR_URL": stack.translator_url,
        "CHECK_MONGODB_URL": mongodb_url,
        "CHECK_SSH_HOST": "local",
        "CHECK_COMPOSE_PROJECT": "staging",
        "CHECK_EXPECTED_IMAGES": "gateway=isopen/meeshy-gateway:staging,web=isopen/meeshy-web:staging",
        "CHECK_EXPECTED_VOLUMES": "meeshy-staging-gateway-uploads",
        "CHECK_LOG_DIR": stack.stack_dir,
        "CHECK_TEST_CONVERSATION": TEST_CONVERSATION_IDENTIFIER,
        "CHECK_TEST_COMMUNITY": TEST_COMMUNITY_IDENTIFIER,
        "CHECK_TRANSLATION_LANGUAGES": SUITE_TRANSLATION_LANGUAGES,
        "CHECK_MIGRATION_REPORT": str(reports["migration"]),
        "CHECK_DRY_RUN_REPORT": str(reports["dry_run"]),
        "CHECK_VERIFY_REPORT": str(reports["verify"]),
        "CHECK_HEALTH_DEADLINE_S": "3",
        # FerretDB's SQLite allows one writer at a time: with -n 2, a write can wait seconds behind
        # the other worker's uploads and posts, which a real MongoDB would not make it do.
        "CHECK_EVENT_DEADLINE_S": "15",
        "CHECK_REALTIME_MESSAGES": "20",
        "CHECK_LOAD_REQUESTS": "1000",
        # Fewer authenticated reads than the runbook's 1,000 (each 300 past the first window waits a
        # minute for the limiter), and a budget for two cores shared with the suite rather than a server.
        "CHECK_LOAD_AUTH_REQUESTS": "100",
        "CHECK_LOAD_P95_MS": "2000",
        "CHECK_REALTIME_P95_MS": "3000",
        **account_keys([Account(u, Secret(by_username(u).password)) for u in SUITE_ACCOUNTS]),
    }
    values.update(extra or {})
    return "".join(f"{k}={v}\n" for k, v in values.items() if v)


@dataclass
class SuiteRun:
    # "test_module::test_name[param]" -> passed | failed | error | skipped | known-defect
    outcomes: dict[str, str]
    stdout: str
    stderr: str
    returncode: int
    allure_dir: Path
    junit: Path

    def with_outcome(self, outcome: str) -> set[str]:
        return {name for name, o in self.outcomes.items() if o == outcome}

    @property
    def failed(self) -> set[str]:
        return self.with_outcome("failed") | self.with_outcome("error")


def restore_uploads(db_url: str, uploads_dir: Path) -> None:
    """Put a file behind every migrated attachment's URL, as the uploads volume holds them on a server."""
    with pymongo.MongoClient(db_url) as client:
        for doc in client.get_default_database()["MessageAttachment"].find({}, {"fileUrl": 1}):
            url = doc.get("fileUrl") or ""
            if url.startswith(FILE_ROUTE):
                path = uploads_dir / unquote(url[len(FILE_ROUTE) :])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"attachment " + str(doc["_id"]).encode())


def fake_docker_path(work: Path, stack_json: Path) -> dict[str, str]:
    """Environment putting the fake `docker` first on PATH (see fake_docker.py)."""
    bin_dir = work / "fake-bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "docker"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} {HERE / "fake_docker.py"} "$@"\n')
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_DOCKER_STACK_JSON": str(stack_json)}


def run_suite(
    env_file: Path,
    marker: str,
    work: Path,
    env: dict[str, str],
    select: list[str] | None = None,
    extra_args: tuple[str, ...] = (),
    timeout_s: float = 300,
) -> SuiteRun:
    work.mkdir(parents=True, exist_ok=True)
    junit, allure_dir = work / "junit.xml", work / "allure-results"
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        marker,
        "--target-env",
        str(env_file),
        "--alluredir",
        str(allure_dir),
        "--clean-alluredir",
        "--junitxml",
        str(junit),
        "-p",
        "no:cacheprovider",
        "-q",
        "--basetemp",
        str(work / "tmp"),
        *extra_args,
        *(select or ["--pyargs", "meeshy_checks"]),
    ]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("CHECK_", "PYTEST_XDIST"))}
    child_env.update(env)
    proc = subprocess.run(args, cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=timeout_s)
    return SuiteRun(read_junit(junit), proc.stdout, proc.stderr, proc.returncode, allure_dir, junit)


def read_junit(path: Path) -> dict[str, str]:
    outcomes = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        name = f"{module}::{case.get('name')}"
        kinds = {child.tag: child for child in case}
        if "failure" in kinds:
            outcomes[name] = "failed"
        elif "error" in kinds:
            outcomes[name] = "error"
        elif "skipped" in kinds:
            skipped = kinds["skipped"]
            known = skipped.get("type") == "pytest.xfail" and "KNOWN DEFECT" in (skipped.get("message") or "")
            outcomes[name] = "known-defect" if known else "skipped"
        else:
            outcomes[name] = "passed"
    return outcomes


def failure_texts(path: Path, kinds: tuple[str, ...] = ("failure", "error")) -> dict[str, str]:
    """``"test_module::test_name" -> message and text`` of every failed or errored check of a junit
    file (``kinds=("skipped",)``: the reasons of the skips and xfails, known defects included)."""
    texts = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        for child in case:
            if child.tag in kinds:
                texts[f"{module}::{case.get('name')}"] = f"{child.get('message') or ''}\n{child.text or ''}"
    return texts


def explain(run) -> str:
    return f"outcomes: {run.outcomes}\n--- output tail:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
