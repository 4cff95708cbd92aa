"""Synthetic but realistic workspaces for the benchmarks.

Sentences come from the sample organization in corpus/ (real business prose), recombined
deterministically into Markdown documents of headed sections, each section sized to about
one chunk (~240 model tokens).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DOC_TYPES = ["strategy", "projects", "budget", "threats", "market"]


def sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(CORPUS.rglob("*.md")) + sorted(CORPUS.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(?s)\A---.*?\n---\n", "", text)
        for para in re.split(r"\n\s*\n", text):
            if para.lstrip().startswith(("#", "|", "-", "*")):
                continue
            for s in re.split(r"(?<=[.!?])\s+", " ".join(para.split())):
                if 40 <= len(s) <= 400:
                    out.append(s)
    return sorted(set(out))


def make_workspace(root: Path, chunks: int, sections_per_file: int = 20, seed: int = 7,
                   words_per_section: int = 135, notes_share: float = 0.0) -> Path:
    """Write a workspace of about ``chunks`` chunks under ``root``: material, and meeting
    notes (one executive each, round robin) for ``notes_share`` of the files."""
    rng = random.Random(seed)
    pool = sentences()
    executives = ["ceo", "cfo", "coo", "chro", "cmo"]
    (root / "stakeholders.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "stakeholders.yaml").write_text(
        "organization: Synthetic Co\nexecutives:\n"
        + "".join(f"  - {{id: {e}, name: Exec {e.upper()}, role: {e.upper()}}}\n" for e in executives)
    )
    files = (chunks + sections_per_file - 1) // sections_per_file
    made = 0
    for f in range(files):
        kind = DOC_TYPES[f % len(DOC_TYPES)]
        is_note = rng.random() < notes_share
        folder = root / ("notes" if is_note else "material") / kind / f"{f // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        if is_note:
            exe = executives[f % len(executives)]
            lines += ["---", f"date: 2026-{1 + f % 11:02d}-{1 + f % 27:02d}", f"executive: {exe}", "---"]
        lines += [f"# {kind.capitalize()} document {f}", ""]
        for s in range(min(sections_per_file, chunks - made)):
            lines += [f"## Section {s}: {rng.choice(pool)[:60]}", ""]
            words = 0
            para: list[str] = []
            while words < words_per_section:
                sentence = rng.choice(pool)
                para.append(sentence)
                words += len(sentence.split())
            lines += [" ".join(para), ""]
            made += 1
        (folder / f"doc-{f:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    return root
