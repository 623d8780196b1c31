"""The report an approver signs: the sign-off page (ops/signoff.py) written as markdown and HTML with its
latency plot, and the Allure HTML report of a suite run.

The HTML report is built by Allure 3 from npm (`npx allure generate`), with its history kept in a
JSON-lines file next to the reports, so that each run's report shows the trend of the previous ones.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path

from ops import signoff
from ops.errors import OpsError
from ops.paths import ROOT

GENERATE_TIMEOUT_S = 300
KNOWN_DEFECTS = ROOT / "meeshy_checks" / "known_defects.toml"  # the suites' package, beside ops/


def _runs(results_dir: Path, staging: Path | None, production: Path | None) -> list[signoff.Run]:
    """The staging and production runs given; else those the rehearsal leaves beside ``results_dir``
    (allure-results-staging, allure-results-production); else ``results_dir`` as one run."""
    beside = {label: results_dir.parent / f"allure-results-{label}" for label in ("staging", "production")}
    given = {"staging": staging, "production": production}
    if not any(given.values()):
        given = {label: path for label, path in beside.items() if any(path.glob("*-result.json"))}
    if not given:
        return [signoff.read_run(results_dir)]
    return [signoff.read_run(path, label) for label, path in given.items() if path is not None]


def build_signoff(
    results_dir: Path,
    staging: Path | None = None,
    production: Path | None = None,
    switch_report: Path | None = None,
    known_defects: Path | None = KNOWN_DEFECTS,
) -> signoff.SignOff:
    runs = _runs(results_dir, staging, production)
    if switch_report is None and (results_dir.parent / "switch.json").is_file():
        switch_report = results_dir.parent / "switch.json"
    return signoff.SignOff(
        runs,
        signoff.read_switch(switch_report),
        signoff.load_known_defects(known_defects),
        expect_switch=any(r.label == "production" for r in runs),
    )


def _inline(text: str) -> str:
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def summary_html(markdown: str) -> str:
    """A minimal rendering of the summary's markdown (headings, tables, lists) into one HTML page."""
    body, in_table = [], False
    for line in markdown.splitlines():
        if line.startswith("| ---"):
            continue
        if line.startswith("|"):
            cells = [_inline(c.strip().replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", line.strip("|"))]
            tag = "th" if not in_table else "td"
            body.append(
                ("<table>" if not in_table else "") + "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"
            )
            in_table = True
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif image := re.fullmatch(r"!\[([^]]*)\]\(([^)]+)\)", line):
            body.append(f'<p><img alt="{html.escape(image[1])}" src="{html.escape(image[2])}"></p>')
        elif line.startswith("- "):
            body.append(f"<li>{_inline(line[2:])}</li>")
        elif line:
            body.append(f"<p>{_inline(line)}</p>")
    if in_table:
        body.append("</table>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .6em}"
    )
    return (
        f"<!doctype html><meta charset=utf-8><title>Sign-off</title><style>{style}</style>\n" + "\n".join(body) + "\n"
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


def build_report(
    results_dir: Path,
    output_dir: Path,
    html_report: bool = True,
    staging: Path | None = None,
    production: Path | None = None,
    switch_report: Path | None = None,
    known_defects: Path | None = KNOWN_DEFECTS,
) -> tuple[signoff.SignOff, Path, Path]:
    """sign-off.md, sign-off.html and the latency plot beside ``output_dir``; the Allure HTML in it."""
    page = build_signoff(results_dir, staging, production, switch_report, known_defects)
    output_dir.mkdir(parents=True, exist_ok=True)
    md_path, _plot = signoff.write(page, output_dir.parent)
    html_path = output_dir.parent / "sign-off.html"
    html_path.write_text(summary_html(md_path.read_text()))
    if html_report:
        source = results_dir if any(results_dir.glob("*-result.json")) else production or staging or results_dir
        env = page.runs[-1].environment
        generate_html(
            source,
            output_dir,
            output_dir.parent / "allure-history.jsonl",
            f"meeshy-ops {env.get('suite', '')} — {env.get('target', '')}".strip(" —"),
        )
    return page, md_path, html_path


def check_output(output_dir: Path) -> None:
    """Refuse, before anything is written, an output that is a file (or lies under one) or a place
    this user cannot write in (the sign-off goes beside it, the HTML in it)."""
    existing = next(p for p in (output_dir, *output_dir.parents) if p.exists())
    if not existing.is_dir():
        raise OpsError(f"the report's output {output_dir}: {existing} is not a directory")
    if not os.access(existing, os.W_OK):
        raise OpsError(f"cannot write the report into {output_dir}: {existing} is not writable")
