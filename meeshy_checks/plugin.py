"""The suites' pytest plugin: the target of the verification suites, and their Allure results.

``pytest -m staging`` / ``pytest -m production`` select the suites (markers registered here and in
pyproject.toml; the project's default run excludes them). The target comes from ``--target-env FILE``,
else ``.env.<staging|production>`` when the marker expression names one and the file exists,
else the ``CHECK_*`` environment variables alone (see .env.template and ops/config/target.py).

A suite run writes Allure results to reports/allure-results (unless ``--alluredir`` says
otherwise), with ``environment.properties`` (target, versions; never a secret) and
``categories.json``. Every failure text is scrubbed of the target's secrets before any
reporter sees it. Both paths are taken in the directory pytest runs in.

Installed with meeshy-ops (entry point ``pytest11``), the plugin loads into every pytest run of the
environment: until a suite is selected (or ``--target-env`` given) it only adds that option and the
markers; the checks' fixtures live in the package's conftest and reach no other test.
``pytest --pyargs meeshy_checks -m staging`` runs the suites from any directory.
"""

from __future__ import annotations

import json
import platform
import re
from importlib import metadata
from pathlib import Path

import pytest

from ops.config import Target, load_target
from ops.errors import OpsError

DEFAULT_ALLURE_DIR = Path("reports") / "allure-results"  # under the directory pytest runs in
MARKERS = (
    "staging: checks run against staging before the switch (pytest -m staging)",
    "production: checks run against production after the switch (pytest -m production)",
    "load: the load checks; `validate` runs them after the others, alone (they spend the rate limiter's budget)",
)

CATEGORIES = [
    {
        # A check that met a defect listed in meeshy_checks/known_defects.toml for this version: an xfail.
        "name": "Known defect of the deployed version",
        "matchedStatuses": ["skipped"],
        "messageRegex": r"(?s).*KNOWN DEFECT.*",
    },
    {
        "name": "Target unreachable",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": r".*(ConnectionError|ConnectTimeout|Connection refused|HostUnreachable).*",
    },
    {
        "name": "Deadline exceeded",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": r".*(deadline|timed out|TimeoutError|ReadTimeout).*",
    },
    {
        "name": "Data differs from the migration report",
        "matchedStatuses": ["failed"],
        "messageRegex": r".*(count|index|schema|report).*",
    },
    {"name": "Check failed", "matchedStatuses": ["failed"]},
    {"name": "Check broken (error in the check or its fixture)", "matchedStatuses": ["broken"]},
]


_SUITE = pytest.StashKey[str | None]()
_TARGET = pytest.StashKey[Target]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("meeshy-ops", "verification suites (pytest -m staging | production)")
    group.addoption(
        "--target-env",
        metavar="FILE",
        default=None,
        help="env file describing the target (CHECK_* keys; see .env.template)",
    )


def _suite_selected(config: pytest.Config) -> str | None:
    """'staging' or 'production' when the marker expression selects a suite, else None."""
    expr = config.getoption("markexpr") or ""
    for name in ("production", "staging"):
        if re.search(rf"(?<!not ){name}\b", expr) and not re.search(rf"not\s+{name}\b", expr):
            return name
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    suite = _suite_selected(config)
    config.stash[_SUITE] = suite
    if suite or config.getoption("target_env"):
        target_of(config)  # a bad target file stops the run before anything is collected
    if suite and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(config.invocation_params.dir / DEFAULT_ALLURE_DIR)
        config.option.clean_alluredir = True


def target_of(config: pytest.Config) -> Target:
    """The run's target, read once (the ``target`` fixture of the checks' conftest)."""
    if _TARGET not in config.stash:
        env_file = config.getoption("target_env")
        suite = config.stash.get(_SUITE, None)
        default = config.invocation_params.dir / f".env.{suite}"
        if env_file is None and suite and default.is_file():
            env_file = str(default)
        try:
            config.stash[_TARGET] = load_target(Path(env_file) if env_file else None)
        except OpsError as exc:
            raise pytest.UsageError(str(exc)) from exc
    return config.stash[_TARGET]


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Scrub secrets from the failure text before Allure, junit or the terminal read it.

    trylast makes this wrapper the innermost one, so its code after ``yield`` runs before the
    other reporters' (Allure's listener included) see the report.
    """
    outcome = yield
    report = outcome.get_result()
    target = item.config.stash.get(_TARGET, None)
    if target is None:  # without secret keys, a URL may still carry a password
        return
    if report.longrepr is not None:
        text = str(report.longrepr)
        scrubbed = target.scrub(text)
        if scrubbed != text:
            report.longrepr = scrubbed
    report.sections = [(title, target.scrub(body)) for title, body in report.sections]
    if call.excinfo is not None and target.scrub(str(call.excinfo.value)) != str(call.excinfo.value):
        # Allure reads the exception itself; hand it a scrubbed one.
        call.excinfo = pytest.ExceptionInfo.from_exception(
            AssertionError(target.scrub(str(call.excinfo.value))).with_traceback(call.excinfo.tb)
        )


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("meeshy-ops", "pytest", "allure-pytest", "playwright", "python-socketio", "pymongo"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return versions


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write environment.properties and categories.json next to the results (controller only)."""
    config = session.config
    if hasattr(config, "workerinput") or not config.stash.get(_SUITE, None):
        return
    results = config.option.allure_report_dir
    if not results:
        return
    results_dir = Path(results)
    results_dir.mkdir(parents=True, exist_ok=True)
    target = config.stash[_TARGET]
    props = {
        "suite": config.stash[_SUITE],
        "target": target.name,
        "target.source": target.source,
        "app.version": target.get("CHECK_APP_VERSION"),
        "app.previous_version": target.get("CHECK_PREVIOUS_APP_VERSION"),
        **{f"target.{k}": v for k, v in target.public_properties().items()},
        **{f"version.{k}": v for k, v in _versions().items()},
    }
    lines = [f"{key}={target.scrub(str(value))}" for key, value in props.items()]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n")
    (results_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2) + "\n")
