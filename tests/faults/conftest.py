"""Fixtures of the fault suite (see faultkit.py for the tools)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import faultkit  # noqa: E402 - after the path above


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a clean build of the sample workspace holds (embedded store, hash embedding)."""
    ws = faultkit.copy_corpus(tmp_path_factory.mktemp("reference") / "ws")
    return faultkit.comparable(faultkit.dump(ws, recover=True))
