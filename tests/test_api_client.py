"""The SPA's committed API client is generated from the current OpenAPI schema."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"


def test_committed_openapi_matches_the_app(app: FastAPI) -> None:
    committed = json.loads((FRONTEND / "openapi.json").read_text())
    assert committed == app.openapi(), "frontend/openapi.json is stale: run `make openapi`"


def test_committed_types_match_the_schema(tmp_path: Path) -> None:
    generator = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists():
        pytest.fail("frontend/node_modules is missing: run `make test`, which installs it")
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(generator), str(FRONTEND / "openapi.json"), "-o", str(out)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
    )
    committed = (FRONTEND / "src" / "lib" / "api" / "schema.d.ts").read_text()
    assert out.read_text() == committed, "schema.d.ts is stale: run `make openapi`"
