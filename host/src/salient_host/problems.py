"""A problem found in what the user configured: the file, the key path, what is wrong and the fix.

Neutral ground, beside errors.py: the configuration's checks (config/), mail's settings (mail/, a floor below
config/) and the live checks (suite/) all report in this one shape.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}. Fix: {self.fix}"
