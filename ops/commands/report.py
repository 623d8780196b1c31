"""`meeshy-ops report`: the Allure HTML report of a suite run, and the one-page sign-off summary.

The HTML report is built by Allure 3 from npm (`npx allure generate`), with its history kept in a
JSON-lines file next to the reports, so that each run's report shows the trend of the previous
ones. The sign-off summary (markdown and HTML) is for the person who approves the switch: pass or
fail per runbook section, counts against the migration report, real-time and load figures.
"""

from __future__ import annotations

import html
import json
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click

from ops.errors import OpsError

GENERATE_TIMEOUT_S = 300
# Runbook sections, in its order (Phase 3 automatic validation, then the manual checklist).
SECTIONS = (
    "Services",
    "Health",
    "Data",
    "Migration reports",
    "Authentication",
    "Messaging",
    "Translation",
    "Uploads",
    "Communities",
    "Real time",
    "Load",
    "Production switch",
)
FIGURES = ("message:new latency (ms)", "counts: report vs database")


@dataclass
class Section:
    name: str
    outcomes: dict[str, str] = field(default_factory=dict)  # test name -> status

    @property
    def verdict(self) -> str:
        statuses = set(self.outcomes.values())
        if statuses & {"failed", "broken"}:
            return "FAIL"
        return "PASS" if "passed" in statuses else "SKIPPED"


@dataclass
class Summary:
    sections: dict[str, Section]
    environment: dict[str, str]
    figures: dict[str, object]
    loads: list[str]
    failures: list[str]

    @property
    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for section in self.sections.values():
            for status in section.outcomes.values():
                totals[status] += 1
        return dict(totals)

    @property
    def verdict(self) -> str:
        verdicts = {s.verdict for s in self.sections.values()}
        return "NO-GO" if "FAIL" in verdicts or not verdicts else "GO"


def _label(result: dict, name: str) -> str | None:
    return next((lab["value"] for lab in result.get("labels", []) if lab["name"] == name), None)


def _attachments(result: dict) -> list[dict]:
    found = list(result.get("attachments", []))
    for step in result.get("steps", []):
        found += _attachments(step)
    return found


def read_results(results_dir: Path) -> Summary:
    """Outcomes per section from allure-pytest's ``*-result.json`` files (the last retry of a test wins)."""
    files = sorted(results_dir.glob("*-result.json"), key=lambda p: json.loads(p.read_text()).get("stop", 0))
    if not files:
        raise OpsError(f"no Allure results in {results_dir}: run `pytest -m staging` (or production) first")
    sections: dict[str, Section] = {}
    figures: dict[str, object] = {}
    loads: list[str] = []
    failures: list[str] = []
    for path in files:
        result = json.loads(path.read_text())
        section = _label(result, "feature") or _label(result, "suite") or "Other"
        sections.setdefault(section, Section(section)).outcomes[result["name"]] = result["status"]
        if result["status"] in ("failed", "broken"):
            message = (result.get("statusDetails") or {}).get("message", "").strip().splitlines()
            failures.append(
                f"{section} / {result['name']}: {message[0][:200] if message else result['status']}"
            )
        for attachment in _attachments(result):
            source = results_dir / attachment.get("source", "")
            if attachment.get("name") in FIGURES and source.is_file():
                figures[attachment["name"]] = json.loads(source.read_text())
            elif attachment.get("name", "").startswith("load ") and source.is_file():
                loads.append(source.read_text().strip())
    env_file = results_dir / "environment.properties"
    environment = (
        dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        if env_file.is_file()
        else {}
    )
    ordered = {name: sections[name] for name in SECTIONS if name in sections}
    ordered.update({name: s for name, s in sections.items() if name not in ordered})
    return Summary(ordered, environment, figures, loads, failures)


def summary_markdown(summary: Summary) -> str:
    env = summary.environment
    lines = [
        f"# Sign-off: {env.get('suite', 'suite')} checks of {env.get('target', 'target')}: {summary.verdict}",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M:%S %Z')}. Tests: "
        + ", ".join(f"{n} {status}" for status, n in sorted(summary.counts.items()))
        + ".",
        "",
        "| runbook section | verdict | passed | failed | skipped |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in summary.sections.values():
        values = list(s.outcomes.values())
        lines.append(
            f"| {s.name} | {s.verdict} | {values.count('passed')} | "
            f"{values.count('failed') + values.count('broken')} | {values.count('skipped')} |"
        )
    latency = summary.figures.get("message:new latency (ms)")
    if isinstance(latency, dict):
        lines += [
            "",
            "## Real time (message:new between two accounts)",
            "",
            f"{latency.get('count')} messages: p50 {latency.get('p50_ms')} ms, "
            f"p95 {latency.get('p95_ms')} ms, "
            f"max {latency.get('max_ms')} ms.",
        ]
    counts = summary.figures.get("counts: report vs database")
    if isinstance(counts, dict):
        lines += [
            "",
            "## Counts: migration report vs database",
            "",
            "| collection | expected | found |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {name} | {row.get('expected')} | {row.get('found')} |" for name, row in sorted(counts.items())
        ]
    if summary.loads:
        lines += ["", "## Load", ""] + [f"- {line}" for line in summary.loads]
    if summary.failures:
        lines += ["", "## Failures", ""] + [f"- {line}" for line in summary.failures]
    lines += ["", "## Environment", ""] + [f"- {k}: {v}" for k, v in env.items()]
    return "\n".join(lines) + "\n"


def summary_html(markdown: str) -> str:
    """A minimal rendering of the summary's markdown (headings, tables, lists) into one HTML page."""
    body, in_table = [], False
    for line in markdown.splitlines():
        if line.startswith("| ---"):
            continue
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            tag = "th" if not in_table else "td"
            body.append(
                ("<table>" if not in_table else "")
                + "<tr>"
                + "".join(f"<{tag}>{c}</{tag}>" for c in cells)
                + "</tr>"
            )
            in_table = True
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif line.startswith("- "):
            body.append(f"<li>{html.escape(line[2:])}</li>")
        elif line:
            body.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        body.append("</table>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .6em}"
    )
    return (
        f"<!doctype html><meta charset=utf-8><title>Sign-off</title><style>{style}</style>\n"
        + "\n".join(body)
        + "\n"
    )


def generate_html(results_dir: Path, output_dir: Path, history: Path, name: str) -> None:
    """Allure 3 from npm, with its history file kept between runs."""
    config = results_dir.parent / "allurerc.json"
    config.write_text(
        json.dumps({"name": name, "output": str(output_dir.resolve()), "historyPath": str(history.resolve())})
    )
    command = [
        "npx",
        "--no-install",
        "allure",
        "generate",
        str(results_dir.resolve()),
        "--config",
        str(config),
        "--output",
        str(output_dir.resolve()),
        "--report-name",
        name,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=GENERATE_TIMEOUT_S)
    except FileNotFoundError as exc:
        raise OpsError("npx is not installed: run `make setup` (Node and the npm `allure` package)") from exc
    except subprocess.TimeoutExpired as exc:
        raise OpsError(f"allure generate did not finish within {GENERATE_TIMEOUT_S}s") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
        raise OpsError(f"allure generate failed (exit {done.returncode}):\n{tail}")


def build_report(results_dir: Path, output_dir: Path, html_report: bool = True) -> tuple[Summary, Path, Path]:
    summary = read_results(results_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    markdown = summary_markdown(summary)
    md_path, html_path = output_dir.parent / "sign-off.md", output_dir.parent / "sign-off.html"
    md_path.write_text(markdown)
    html_path.write_text(summary_html(markdown))
    if html_report:
        env = summary.environment
        generate_html(
            results_dir,
            output_dir,
            output_dir.parent / "allure-history.jsonl",
            f"meeshy-ops {env.get('suite', '')} — {env.get('target', '')}".strip(" —"),
        )
    return summary, md_path, html_path


@click.command("report")
@click.option(
    "--results",
    "results_dir",
    type=click.Path(path_type=Path),
    default=Path("reports/allure-results"),
    show_default=True,
    help="Allure results of a suite run",
)
@click.option(
    "--output",
    "output_dir",
    type=click.Path(path_type=Path),
    default=Path("reports/allure-report"),
    show_default=True,
    help="where the HTML report goes (sign-off.md/.html beside it)",
)
@click.option("--no-html", is_flag=True, help="only the sign-off summary, without running Allure")
def report(results_dir: Path, output_dir: Path, no_html: bool) -> None:
    """Build the Allure HTML report (history kept between runs) and the one-page sign-off summary."""
    summary, md_path, html_path = build_report(results_dir, output_dir, html_report=not no_html)
    for section in summary.sections.values():
        click.echo(f"{section.verdict:8} {section.name}")
    click.echo(
        f"{summary.verdict}: sign-off summary {md_path} and {html_path}"
        + ("" if no_html else f"; HTML report {output_dir}/index.html")
    )


commands = [report]
