"""Finding a server's command: on PATH, else beside this interpreter (where `make sync` installs `salient-*`).

Kept free of heavy imports: the data commands (`salient import`) use it and start in a fraction of a second.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def locate(command: str, *, path: str | None = None, cwd: Path | None = None) -> str | None:
    """Where `command` is, or None. A command with a directory in it is taken as it is (relative to `cwd`)."""
    if os.sep in command:
        where = Path(command) if cwd is None else cwd / command
        return command if where.is_file() else None
    found = shutil.which(command, path=path)
    if found:
        return found
    beside = Path(sys.executable).parent / command
    return str(beside) if beside.exists() else None


def resolve_command(command: str) -> str:
    """`command` made runnable where it can be (see `locate`); unchanged otherwise, for the error to name it."""
    return locate(command) or command
