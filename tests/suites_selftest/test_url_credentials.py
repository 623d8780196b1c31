"""A password inside a URL of a non-secret key (CHECK_MONGO_UI_URL=http://admin:pw@…) is masked in
everything a suite run leaves: its output, the Allure results and environment.properties, the
sign-off and the Allure HTML."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ops.config import Target
from ops.host.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Ui-S3cret-7q"


def _files_holding(directory: Path, text: str) -> list[str]:
    return [str(p) for p in directory.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_a_url_password_is_masked_in_the_properties_the_scrubbed_text(tmp_path):
    target = Target({"CHECK_MONGO_UI_URL": f"http://admin:{PASSWORD}@db.example/ui"})
    assert target.public_properties() == {"CHECK_MONGO_UI_URL": "http://admin:********@db.example/ui"}
    assert PASSWORD not in target.scrub(f"GET http://admin:{PASSWORD}@db.example/ui answered 500")


def test_a_url_password_never_reaches_the_results_the_sign_off_or_the_html(tmp_path):
    env_file = tmp_path / ".env.staging"
    env_file.write_text(f"CHECK_MONGO_UI_URL=http://admin:{PASSWORD}@127.0.0.1:{free_port()}/\n")
    results, html = tmp_path / "results", tmp_path / "report" / "allure-report"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CHECK_")}
    suite = subprocess.run([sys.executable, "-m", "pytest", "-m", "staging", "--target-env", str(env_file),
                            "--alluredir", str(results), "-k", "mongodb-ui", "-p", "no:cacheprovider",
                            "--pyargs", "meeshy_checks.test_health"], cwd=ROOT, env=environ, capture_output=True,
                           text=True, timeout=300)
    assert "1 failed" in suite.stdout, suite.stdout[-2000:]  # nothing answers there: the check fails
    assert PASSWORD not in suite.stdout + suite.stderr
    assert "target.CHECK_MONGO_UI_URL=http://admin:********@127.0.0.1" in (
        results / "environment.properties").read_text()
    report = subprocess.run([sys.executable, "-m", "ops", "report", "--results", str(results), "--output", str(html)],
                            cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr
    assert (html / "index.html").is_file()
    assert PASSWORD not in report.stdout + report.stderr
    assert _files_holding(tmp_path, PASSWORD) == [str(env_file)]
