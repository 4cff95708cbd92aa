"""Shared fixtures. The network is blocked for every test (pytest-socket, see pyproject)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own DXPREP_HOME and no DXPREP_* settings from the outside."""
    for key in list(os.environ):
        if key.startswith(("DXPREP_", "OPENAI_", "AZURE_OPENAI")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DXPREP_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    from dxprep.engines import base

    monkeypatch.setattr(base, "ALLOW_MODEL_REQUESTS", False)  # the second guard, beside pytest-socket


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    return json.loads((ROOT / "tests" / "fixtures" / "corpus_expected.json").read_text())
