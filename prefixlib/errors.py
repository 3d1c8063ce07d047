"""Errors raised by prefixlib.

Every error the library raises derives from :class:`PrefixlibError`, itself a
``ValueError``.  Errors about a place in the input keep that place as
attributes (``source``, ``line``, ``column``, ``offset``) and build their
one-line message from them, so the CLI can print ``error: {message}`` as is.
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "EncodingError",
    "InputError",
    "PolicyError",
    "PrefixlibError",
    "ToolsError",
]


class PrefixlibError(ValueError):
    """Base of every error prefixlib raises."""


class ArgumentError(PrefixlibError, TypeError):
    """An argument of a public function has the wrong type or shape.

    Both a :class:`PrefixlibError` (so one ``except`` catches every bad input) and a
    ``TypeError`` (as Python code expects of a wrong type).  The message names the
    argument: ``roots must be a mapping of name to path, not list``.
    """


class InputError(PrefixlibError):
    """Bad input at a known place.

    ``source`` names where the input came from: a layer name (``"project"``)
    in the API, a file path once the CLI has relabelled it.  ``line`` and
    ``column`` are 1-based; ``offset`` is a 0-based byte offset, used where a
    line and column cannot be given.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.column = column
        self.offset = offset
        super().__init__(self._format())

    def _format(self) -> str:
        place = self.source or "<input>"
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        elif self.offset is not None:
            place += f": byte {self.offset}"
        return f"{place}: {self.reason}"

    def with_source(self, source: str) -> InputError:
        """Return the same error naming ``source`` (a file path) instead."""
        return type(self)(
            self.reason, source=source, line=self.line, column=self.column, offset=self.offset
        )


class EncodingError(InputError):
    """Input text is not valid UTF-8 (or holds a lone surrogate)."""


class ToolsError(InputError):
    """The tools layer is not valid JSON or not a valid set of tool definitions.

    ``pointer`` is where in the tools value the error is (array indices and member
    names from the top, as in a JSON Pointer), where it is known; a tools layer given
    as JSON text turns it into a line and column of that text.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
        pointer: tuple[str | int, ...] | None = None,
    ) -> None:
        self.pointer = pointer
        super().__init__(reason, source=source, line=line, column=column, offset=offset)

    def with_source(self, source: str) -> ToolsError:
        """Return the same error naming ``source`` (a file path) instead."""
        return type(self)(
            self.reason,
            source=source,
            line=self.line,
            column=self.column,
            offset=self.offset,
            pointer=self.pointer,
        )


class PolicyError(PrefixlibError):
    """A policy is invalid; the message names the file and the field."""

    def __init__(self, reason: str, *, source: str | None = None, field: str | None = None) -> None:
        self.reason = reason
        self.source = source
        self.field = field
        where = ": ".join(part for part in (source, field) if part)
        super().__init__(f"{where}: {reason}" if where else reason)
