"""The suites ship as the package meeshy_checks with a pytest plugin: an operator with meeshy-ops
installed runs them from any directory, and the plugin leaves the project's own tests as they are."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

# A check common to both suites, written once with both markers.
COMMON = "test_health.py::test_gateway_health_reports_database_and_translation_up"
ONE_SUITE_ONLY = {"staging": "test_staging_only.py::", "production": "test_production_only.py::"}


@pytest.mark.parametrize("suite", ["staging", "production"])
def test_the_checks_are_collected_by_package_name_outside_the_checkout(suite, tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CHECK_", "PYTEST_"))}
    collect = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "meeshy_checks", "--collect-only", "-q", "-m", suite,
         "-p", "no:cacheprovider"],
        cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120,
    )
    assert collect.returncode == 0, collect.stdout[-2000:] + collect.stderr[-2000:]
    counted = re.search(r"(\d+)/(\d+) tests collected \((\d+) deselected\)", collect.stdout)
    assert counted and int(counted[1]) > 0, collect.stdout[-2000:]
    assert COMMON in collect.stdout
    assert ONE_SUITE_ONLY[suite] in collect.stdout
    other = ONE_SUITE_ONLY["production" if suite == "staging" else "staging"]
    assert other not in collect.stdout


@pytest.mark.parametrize("fixture", ["target", "need", "gateway", "sender", "receiver", "writes"])
def test_the_checks_fixtures_do_not_reach_the_project_s_tests(fixture, request):
    assert request.config.pluginmanager.has_plugin("meeshy_checks")  # loaded by its entry point
    with pytest.raises(pytest.FixtureLookupError):
        request.getfixturevalue(fixture)
