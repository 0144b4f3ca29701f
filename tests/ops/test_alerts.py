"""The shipped alert rules and Grafana dashboard: valid, unit-tested with promtool, each alert
linked to its runbook entry, and built only from metrics the app exports (a renamed metric
fails here, not in production)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import ROOT
from tests.ops.metrics_support import family_names

RULES = ROOT / "ops" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "ops" / "prometheus" / "tests" / "alerts_test.yml"
DASHBOARD = ROOT / "ops" / "grafana" / "bitnexus.json"
RUNBOOK = ROOT / "docs" / "operations.md"
METRIC = re.compile(r"\bbitnexus_[a-z0-9_]+")
SUFFIXES = ("_total", "_bucket", "_count", "_sum")


def _promtool() -> str:
    """promtool (Debian's `prometheus` package; `make test` installs it). Under CI a missing
    promtool fails the run instead of skipping the checks."""
    found = shutil.which("promtool")
    if found:
        return found
    message = "promtool is missing: apt-get install prometheus (make test does)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _promtool_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_promtool(), *args], capture_output=True, text=True, timeout=120, check=False
    )


def _rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _alerts() -> list[dict[str, Any]]:
    return [rule for rule in _rules() if "alert" in rule]


def test_the_rules_are_valid() -> None:
    checked = _promtool_run("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_rules_pass_their_unit_tests() -> None:
    tested = _promtool_run("test", "rules", str(RULE_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    cases = [
        case
        for group in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in group["alert_rule_test"]
    ]
    for alert in _alerts():
        name = alert["alert"]
        fired = [c for c in cases if c["alertname"] == name and c["exp_alerts"]]
        quiet = [c for c in cases if c["alertname"] == name and not c["exp_alerts"]]
        assert fired, f"{name}: no case where it fires"
        assert quiet, f"{name}: no case where it stays quiet"


def _anchors(markdown: str) -> set[str]:
    """The anchors of a Markdown file's headings, as GitHub makes them."""
    headings = re.findall(r"^#+ +(.+?) *$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_alert_has_a_summary_and_a_runbook_entry() -> None:
    anchors = _anchors(RUNBOOK.read_text())
    for alert in _alerts():
        annotations = alert["annotations"]
        assert annotations["summary"], alert["alert"]
        page, _, anchor = annotations["runbook_url"].partition("#")
        assert page == "docs/operations.md", alert["alert"]
        assert anchor in anchors, f"{alert['alert']}: no heading for #{anchor} in {RUNBOOK.name}"
        assert alert["labels"]["severity"] in {"critical", "warning"}


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def _used_metrics() -> dict[str, set[str]]:
    """Every `bitnexus_*` metric name an alert, a recording rule or a dashboard panel reads."""
    used: dict[str, set[str]] = {}
    for rule in _rules():
        for name in METRIC.findall(rule["expr"]):
            used.setdefault(name, set()).add(rule.get("alert") or rule["record"])
    for expr in _dashboard_expressions():
        for name in METRIC.findall(expr):
            used.setdefault(name, set()).add(DASHBOARD.name)
    return used


def _exported(name: str, families: set[str]) -> bool:
    return name in families or any(
        name.endswith(suffix) and name.removesuffix(suffix) in families for suffix in SUFFIXES
    )


async def test_alerts_and_dashboard_read_only_metrics_the_app_exports(
    client: httpx.AsyncClient,
) -> None:
    # given what a real scrape of the app exports
    r = await client.get("/metrics")
    assert r.status_code == 200
    families = family_names(r.text)

    # then every metric the rules and the dashboard read is among them
    used = _used_metrics()
    assert len(used) > 20
    missing = {name: where for name, where in used.items() if not _exported(name, families)}
    assert not missing, f"not exported: {missing}"


def test_the_dashboard_is_grafana_json() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "bitnexus"
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert panels
    assert all(p["targets"] and p["gridPos"]["w"] > 0 for p in panels)
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_a_missing_promtool_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # given no promtool on the path, under CI
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", "true")

    # then the checks fail, not skip
    with pytest.raises(pytest.fail.Exception, match="promtool is missing"):
        _promtool()
