"""Several dxprep processes on one workspace at once: an ingest with work to do, a second
ingest, searches, and offline briefs (two of them writing the same .docx).

Each process succeeds or fails with the intended message (the lock message for a second
ingest); afterwards the index is intact (catalog, Chroma and lexical index agree, and equal a
clean build of the edited workspace), a new ingest has nothing to do, and the shared .docx
reads back whole.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import faultkit

COO = "Rosa Delgado"


def _dxprep() -> list[str]:
    exe = shutil.which("dxprep", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "dxprep"]


def test_ingest_searches_and_briefs_at_once(tmp_path: Path) -> None:
    ws = faultkit.copy_corpus(tmp_path / "ws")
    faultkit.dump(ws, recover=True)  # indexed, in a subprocess like everything below
    note = ws / "notes" / "2026" / "11" / "cmo-2026-11-19.txt"
    note.write_text(note.read_text(encoding="utf-8") + "\nLate addition: the loyalty app pilot slips to March.\n",
                    encoding="utf-8")
    shared = tmp_path / "out" / "shared.docx"
    base = [*_dxprep()]
    jobs: dict[str, list[str]] = {
        "ingest": [*base, "ingest", "-w", str(ws)],
        "ingest-2": [*base, "ingest", "-w", str(ws)],
        "search-1": [*base, "search", "loyalty app pilot", "-w", str(ws), "-f", "json"],
        "search-2": [*base, "search", "ransomware", "-w", str(ws), "-f", "json", "--executive", "coo"],
        "search-3": [*base, "search", "ERP cost model", "-w", str(ws), "-f", "json"],
        "brief-a": [*base, "brief", "cfo", "-w", str(ws), "--date", "2026-11-28", "--engine", "offline",
                    "-o", str(shared)],
        "brief-b": [*base, "brief", "coo", "-w", str(ws), "--date", "2026-11-28", "--engine", "offline",
                    "-o", str(shared)],
        "brief-c": [*base, "brief", "cmo", "-w", str(ws), "--date", "2026-11-28", "--engine", "offline"],
    }
    env = faultkit.subprocess_env()
    procs = {name: subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for name, cmd in jobs.items()}
    results: dict[str, tuple[int, str, str]] = {}
    deadline = time.monotonic() + 180
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        results[name] = (proc.returncode, out, err)

    ingests = [results["ingest"], results["ingest-2"]]
    for code, out, err in ingests:
        assert "Traceback" not in err, err
        if code:  # the only acceptable failure: the other one held the lock
            assert code == 1 and "another ingest is running on this workspace" in err and "hint:" in err, err
        else:
            assert "indexed 38 files" in out, out
    assert any(code == 0 for code, _, _ in ingests)
    for name in ("search-1", "search-2", "search-3"):
        code, out, err = results[name]
        assert code == 0 and "Traceback" not in err, (name, err)
        assert json.loads(out)["results"], name
    for name in ("brief-a", "brief-b", "brief-c"):
        code, out, err = results[name]
        assert code == 0 and "Traceback" not in err, (name, err)
        for line in err.splitlines():  # warnings only, and of the expected kinds
            assert line.startswith(("warning:", " ")) or not line.strip(), (name, line)

    import docx

    document = docx.Document(str(shared))  # whole: one of the two briefings, not a mix
    title = document.core_properties.title
    assert title in ("Briefing: Daniel Okafor, 2026-11-28", f"Briefing: {COO}, 2026-11-28"), title
    text = "\n".join(p.text for p in document.paragraphs)
    other = COO if "Daniel Okafor" in title else "Daniel Okafor"
    assert title.split(": ")[1].split(",")[0] in text and f"Briefing: {other}" not in text
    assert sorted(p.name for p in shared.parent.iterdir()) == ["shared.docx"]  # no temporary file left
    assert len(list((ws / "briefings").glob("*.docx"))) == 1
    assert not list((ws / "briefings").glob(".*"))

    got = faultkit.dump(ws, recover=True)
    assert got["recovered"]["updated"] == 0 and got["recovered"]["embedded"] == 0, got["recovered"]
    assert any("loyalty app pilot slips to March" in row[2] for row in got["catalog"])
    clean = faultkit.copy_corpus(tmp_path / "clean")
    shutil.copyfile(note, clean / note.relative_to(ws))
    want = faultkit.comparable(faultkit.dump(clean, recover=True))
    diff = faultkit.differences(faultkit.comparable(got), want)
    assert not diff, diff
