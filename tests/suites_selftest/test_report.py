"""The sign-off summary read from Allure results: verdict per runbook section, figures, no HTML needed."""

from __future__ import annotations

import json

from ops.commands.report import build_report, summary_html


def _result(tmp_path, name, feature, status, attachments=()):
    (tmp_path / f"{name}-result.json").write_text(
        json.dumps(
            {
                "name": name,
                "status": status,
                "stop": 1,
                "labels": [{"name": "feature", "value": feature}],
                "statusDetails": {"message": "AssertionError: boom"} if status == "failed" else {},
                "attachments": list(attachments),
            }
        )
    )


def test_summary_gives_a_verdict_per_section_and_the_latencies(tmp_path):
    results = tmp_path / "allure-results"
    results.mkdir()
    (results / "lat.json").write_text(json.dumps({"count": 20, "p50_ms": 30.0, "p95_ms": 60.0, "max_ms": 80.0}))
    _result(results, "test_health_a", "Health", "passed")
    _result(
        results,
        "test_rt",
        "Real time",
        "passed",
        [{"name": "message:new latency (ms)", "source": "lat.json", "type": "application/json"}],
    )
    _result(results, "test_data_a", "Data", "failed")
    (results / "environment.properties").write_text("suite=staging\ntarget=staging\n")
    summary, md, html = build_report(results, tmp_path / "allure-report", html_report=False)
    text = md.read_text()
    assert summary.verdict == "NO-GO"
    assert "| Data | FAIL | 0 | 1 | 0 |" in text and "| Health | PASS | 1 | 0 | 0 |" in text
    assert "p95 60.0 ms" in text and "test_data_a: AssertionError: boom" in text
    assert "<table>" in html.read_text() and summary_html("| a |\n| --- |\n| b |").count("<tr>") == 2
