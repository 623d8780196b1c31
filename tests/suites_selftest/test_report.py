"""The sign-off page built from synthetic Allure results (one pass, one regression, one known defect),
a switch report and the known-defects file: GO or NO-GO at the top, its sections, no secret."""

from __future__ import annotations

import json
from pathlib import Path

from ops.report import build_report, summary_html

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
PASSWORD = "hunter2-s3cret"
KNOWN_MESSAGE = (
    "XFAIL KNOWN DEFECT reactions-get-500 of d5983046: GET /api/v1/reactions/abc answered 500 "
    "(evidence: routes/reactions.ts:360-369; the check: the reaction:add ack, then reactionSummary)"
)
LATENCIES = [31.0, 28.5, 40.2, 35.0, 90.1]


def _result(
    results: Path, name: str, feature: str, status: str, message: str = "", attachments=(), story: str = ""
) -> None:
    labels = [{"name": "feature", "value": feature}] + ([{"name": "story", "value": story}] if story else [])
    (results / f"{name}-result.json").write_text(
        json.dumps(
            {
                "name": name,
                "uuid": f"uuid-{name}",
                "status": status,
                "stop": 1,
                "labels": labels,
                "statusDetails": {"message": message} if message else {},
                "attachments": list(attachments),
            }
        )
    )


def _run(base: Path, suite: str, regression: bool) -> Path:
    results = base / f"allure-results-{suite}"
    results.mkdir(parents=True)
    (results / "lat.json").write_text(json.dumps({"count": 5, "p50_ms": 35.0, "p95_ms": 90.1, "max_ms": 90.1}))
    (results / "lat.md").write_text(
        "| message:new | n |\n| --- | --- |\n\n| # | ms |\n| --- | --- |\n"
        + "".join(f"| {i} | {v} |\n" for i, v in enumerate(LATENCIES, 1))
    )
    (results / "load.txt").write_text(
        f"http://gw/health: 1000 requests: 300 served, 700 answered 429 (via mongodb://ops:{PASSWORD}@db:27017/x)"
    )
    _result(
        results,
        "test_message_new_reaches_the_other_account_within_budget",
        "Real time",
        "passed",
        attachments=[
            {"name": "message:new latency (ms)", "source": "lat.json"},
            {"name": "message:new latency table", "source": "lat.md"},
        ],
    )
    _result(results, "test_reaction_is_acknowledged_and_reread", "Messaging", "skipped", KNOWN_MESSAGE)
    _result(
        results,
        "test_health_under_load",
        "Load",
        "passed",
        attachments=[{"name": "load /health", "source": "load.txt"}],
    )
    status, message = (
        ("failed", f"AssertionError: login of alice answered 401 (password={PASSWORD}, {TOKEN})")
        if (regression)
        else ("passed", "")
    )
    _result(results, "test_api_login_profile_logout_login", "Authentication", status, message)
    # A browser check's final-state screenshot is attached by its fixture, at teardown: in a container.
    (results / "shot.png").write_bytes(b"\x89PNG")
    _result(
        results, "test_reaction_through_the_emoji_grid[chromium]", "Messaging", "passed", story="Réagir à un message"
    )
    (results / "c1-container.json").write_text(
        json.dumps(
            {
                "children": ["uuid-test_reaction_through_the_emoji_grid[chromium]"],
                "afters": [
                    {"name": "page_as::0", "attachments": [{"name": "final state (alice_fr)", "source": "shot.png"}]}
                ],
            }
        )
    )
    (results / "environment.properties").write_text(
        f"suite={suite}\ntarget={suite}\napp.version=d5983046578646a36062054e7226e70dec9161ab\n"
        "app.previous_version=06c4a4ab5\n"
    )
    return results


def _switch(base: Path) -> Path:
    path = base / "switch.json"
    path.write_text(
        json.dumps(
            {
                "downtime_s": 42.37,
                "seconds": {"freeze": 3.1, "delta": 12.0, "start": 20.5},
                "delta": {"totals": {"inserted": 12, "updated": 3}},
                "gateway_url": f"https://probe:{PASSWORD}@gate.meeshy.me",
                "images_before": {"gateway": {"ref": "isopen/meeshy-gateway:old"}},
            }
        )
    )
    return path


def _build(tmp_path: Path, regression: bool):
    staging = _run(tmp_path, "staging", regression=False)
    production = _run(tmp_path, "production", regression=regression)
    return build_report(
        tmp_path / "allure-results",
        tmp_path / "allure-report",
        html_report=False,
        staging=staging,
        production=production,
        switch_report=_switch(tmp_path),
    )


def test_a_regression_makes_the_page_no_go_with_its_sections_in_order(tmp_path):
    page, md, html = _build(tmp_path, regression=True)
    text = md.read_text()
    assert page.verdict == "NO-GO" and text.startswith("# NO-GO")
    assert "**NO-GO**: 1 regression(s)." in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Regressions (failed here)",
        "## Known defects of the deployed version (not regressions)",
        "## Counts",
        "## Runbook checklist in the browser (phase 3)",
        "## Downtime",
        "## Real-time latency (message:new between two accounts)",
        "## Load",
    ]
    regressions = text.split("## Regressions (failed here)")[1].split("## Known defects")[0]
    assert "**production** Authentication / `test_api_login_profile_logout_login` (passed on staging)" in regressions
    known = text.split("## Known defects")[1].split("## Counts")[0]
    # The known defect of both runs, with its evidence from meeshy_checks/known_defects.toml.
    assert "| reactions-get-500 (d5983046) | production `test_reaction_is_acknowledged_and_reread`, staging" in known
    assert "routes/reactions.ts:360-369 (response schema: data is an array)" in known
    assert "| production | 3 | 1 | 1 | 0 |" in text and "| staging | 4 | 0 | 1 | 0 |" in text
    assert "| runbook item | browser check | staging | production | final state (Allure attachments) |" in text
    row = (
        "| Réagir à un message | `test_reaction_through_the_emoji_grid[chromium]` | passed | passed | "
        "final state (alice_fr): shot.png |"
    )
    assert row in text
    assert "**42.37 s** (first write refused → first write accepted)" in text
    assert "![message:new latency](sign-off-latency.svg)" in text and "| staging | 5 | 35.0 | 90.1 | 90.1 |" in text
    svg = (tmp_path / "sign-off-latency.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and "p95 90.1 ms" in svg
    assert "- production: http://gw/health: 1000 requests: 300 served, 700 answered 429" in text
    rendered = html.read_text()
    assert '<img alt="message:new latency" src="sign-off-latency.svg">' in rendered and "<table>" in rendered
    for where, written in {"md": text, "html": rendered, "svg": svg}.items():
        assert PASSWORD not in written and TOKEN not in written, f"a secret reached the sign-off {where}"


def test_only_passes_and_known_defects_make_it_go(tmp_path):
    page, md, _html = _build(tmp_path, regression=False)
    text = md.read_text()
    assert page.verdict == "GO" and text.startswith("# GO")
    assert "## Regressions (failed here)\n\nNone." in text
    assert "reactions-get-500" in text


def test_a_production_run_without_the_switch_report_is_no_go(tmp_path):
    production = _run(tmp_path, "production", regression=False)
    page, md, _html = build_report(
        tmp_path / "allure-results", tmp_path / "out", html_report=False, production=production
    )
    assert page.verdict == "NO-GO" and set(page.reasons()) == {"no staging run", "no switch report"}


def test_one_run_alone_as_before_and_the_html_rendering(tmp_path):
    """``--results`` of one run (no staging/production given nor beside it): a page for that run."""
    results = _run(tmp_path / "one", "staging", regression=True)
    page, md, _html = build_report(results, tmp_path / "out" / "allure-report", html_report=False)
    assert page.verdict == "NO-GO" and [r.label for r in page.runs] == ["staging"]
    assert "(expected to pass)" in md.read_text()
    assert summary_html("| a |\n| --- |\n| b |").count("<tr>") == 2


def test_an_output_that_is_a_file_or_read_only_is_refused_in_one_line_before_anything_is_written(tmp_path):
    import subprocess
    import sys

    results = _run(tmp_path / "one", "staging", regression=False)
    a_file = tmp_path / "taken"
    a_file.write_text("not a directory")
    for output, phrase in ((a_file, "is not a directory"), (a_file / "allure-report", "is not a directory"),
                           (Path("/proc/sys/allure-report"), "cannot write")):
        done = subprocess.run([sys.executable, "-m", "ops", "report", "--results", str(results), "--output",
                               str(output), "--no-html"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and phrase in done.stderr, done.stderr
    assert a_file.read_text() == "not a directory" and sorted(p.name for p in tmp_path.iterdir()) == ["one", "taken"]
