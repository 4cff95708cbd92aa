"""Prompts are data: every template loads, validates and renders; mistakes name themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxprep.errors import ConfigError
from dxprep.prompts import load_prompt, prompt_version, prompts_dir, role_guidance

ROOT = Path(__file__).resolve().parents[2]


def test_every_template_renders() -> None:
    folder = prompts_dir()
    assert folder == ROOT / "prompts"
    values = {
        "organization": "Example Corp", "it_leader": "Sam Rivera",
        "executive": {"name": "Dana Ortiz", "title": "CFO", "role": "CFO"}, "role_guidance": "Speak money.",
        "meeting_date": "2026-12-01", "minutes": 30, "dialogue_label": "4th monthly dialogue",
        "memory": "Goal: close in 5 days [1]", "max_points": 7,
        "evidence": [{"n": 1, "source": "notes/a.md", "date": "2026-10-14", "section": "Goals", "text": "Close in 5 days."}],
    }
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    assert names == ["briefing", "system"]
    for name in names:
        prompt = load_prompt(name)
        text = prompt.render(**{k: v for k, v in values.items() if k in prompt.variables})
        assert text.strip() and "{{" not in text and "{%" not in text
    assert "[1] notes/a.md (2026-10-14) · Goals" in load_prompt("briefing").render(
        **{k: v for k, v in values.items() if k in load_prompt("briefing").variables})
    for role in ("CEO", "CFO", "COO", "CHRO", "CMO", "BU", "other", "CISO"):
        guide = role_guidance(role)
        assert guide.vocabulary and "{topic}" in guide.headline and "{topic}" in guide.ask
    assert prompt_version().startswith("2026-")


def test_missing_and_unknown_variables_are_named() -> None:
    prompt = load_prompt("system")
    with pytest.raises(ConfigError, match="missing variable\\(s\\): it_leader"):
        prompt.render(organization="X")
    with pytest.raises(ConfigError, match="unknown variable\\(s\\): extra"):
        prompt.render(organization="X", it_leader="Y", extra=1)


def test_bad_template_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "system.yaml").write_text("name: system\nversion: '1'\ndescription: d\nvariables: [a]\n"
                                          "template: '{{ a }} {{ b }}'\ncolour: blue\n")
    with pytest.raises(ConfigError, match="colour"):
        load_prompt("system", str(tmp_path))
    (tmp_path / "briefing.yaml").write_text("name: briefing\nversion: '1'\ndescription: d\nvariables: [a, c]\n"
                                            "template: '{{ a }} {{ b }}'\n")
    with pytest.raises(ConfigError, match="undeclared variable\\(s\\) b; declares unused variable\\(s\\) c"):
        load_prompt("briefing", str(tmp_path))


def test_templates_render_in_a_sandbox(tmp_path: Path) -> None:
    from jinja2.exceptions import SecurityError

    (tmp_path / "system.yaml").write_text("name: system\nversion: '1'\ndescription: d\nvariables: [a]\n"
                                          "template: '{{ a.__class__.__mro__ }}'\n")
    with pytest.raises(SecurityError):
        load_prompt("system", str(tmp_path)).render(a="x")
