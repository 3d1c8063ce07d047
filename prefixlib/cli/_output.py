"""Terminal output: colour only on a terminal and never with NO_COLOR, and progress.

Colour follows https://no-color.org: any non-empty ``NO_COLOR`` turns it off.
Progress goes to stderr, only when stderr is a terminal and a run has taken
longer than a second, and is erased before anything else is printed.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Final, TextIO

__all__ = ["Progress", "Style", "plural"]

_CODES: Final = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Style:
    """Paints text in ANSI colours, or leaves it as it is."""

    def __init__(self, *, colour: bool) -> None:
        self.colour = colour

    @classmethod
    def for_stream(cls, stream: TextIO) -> Style:
        """Colour when ``stream`` is a terminal and ``NO_COLOR`` is unset or empty."""
        return cls(colour=_is_terminal(stream) and not os.environ.get("NO_COLOR"))

    def paint(self, text: str, style: str) -> str:
        """``text`` in ``style`` (bold, red, green, yellow, cyan)."""
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m" if self.colour else text


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``[n/total] path`` on one line of stderr, for runs of more than a second on a terminal."""

    DELAY: Final = 1.0

    def __init__(self, total: int, *, enabled: bool = True) -> None:
        self.total = total
        self.enabled = enabled and _is_terminal(sys.stderr)
        self.start = time.monotonic()
        self.shown = False

    def update(self, number: int, path: str) -> None:
        """Show that file ``number`` of ``total`` is ``path``."""
        if not self.enabled or time.monotonic() - self.start < self.DELAY:
            return
        line = f"[{number}/{self.total}] {path}"
        sys.stderr.write("\r\x1b[K" + line[:78])
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        """Erase the progress line, so the next output starts on a clean line."""
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.shown = False
