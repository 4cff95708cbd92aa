"""Safe file output: atomic writes and output names that cannot escape their folder."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from dxprep.errors import UserError

__all__ = ["atomic_write", "safe_name"]

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_name(text: str, fallback: str = "file") -> str:
    """A file-name component made from ``text``: no separators, no ``..``, no reserved names."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-_")[:80].rstrip(".-_")  # no trailing dot (Windows)
    if not name or name.lower().split(".")[0] in _RESERVED:
        name = f"{fallback}-{name}" if name else fallback
    return name


def atomic_write(path: str | Path, write: Callable[[Path], None] | bytes | str, *, overwrite: bool = True) -> Path:
    """Write ``path`` via a temporary file in the same folder and ``os.replace``.

    ``write`` is bytes, text, or a function that writes the temporary path. A failure
    leaves no partial file behind (and the previous file, if any, untouched).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and target.exists():
        raise UserError(f"{target} already exists: not overwritten", hint="choose another name or delete it first")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if isinstance(write, bytes):
            tmp.write_bytes(write)
        elif isinstance(write, str):
            tmp.write_text(write, encoding="utf-8")
        else:
            write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if not overwrite:
            # link() fails if the target appeared meanwhile: never overwrite a user's file
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise UserError(f"{target} already exists: not overwritten") from None
            tmp.unlink()
        else:
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
