"""The values that cross the API: layers, bindings, changes and the canonical prefix."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Final, Literal

__all__ = ["LAYERS", "Binding", "CanonicalPrefix", "Change", "LayerName"]

LayerName = Literal["base", "developer", "project", "tools"]

#: The layers of a prefix, in the fixed order they are framed and sent (SPEC.md 2).
LAYERS: Final[tuple[LayerName, ...]] = ("base", "developer", "project", "tools")

#: The lines around the rendered bindings (SPEC.md 5).
BINDINGS_OPEN: Final = "<session_bindings>"
BINDINGS_LEAD: Final = (
    "The instructions above use placeholders for values that differ between sessions. "
    "In this session they stand for:"
)
BINDINGS_CLOSE: Final = "</session_bindings>"
#: What begins each further line of a binding's value that spans lines (SPEC.md 5.9), so no
#: line of a value can be read as a binding of its own.
BINDINGS_INDENT: Final = "  "


@dataclass(frozen=True, slots=True)
class Change:
    """One edit a rule made to a layer (SPEC.md 3).

    ``offset`` is a character offset into the layer as the rule received it
    (after the rules before it); ``line`` is the 1-based line there.
    """

    rule: str
    layer: LayerName
    line: int
    offset: int
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Binding:
    """A volatile value hoisted out of the stable prefix (SPEC.md 5)."""

    placeholder: str
    value: str
    kind: str


@dataclass(frozen=True, eq=False)
class CanonicalPrefix:
    """A canonical startup prefix and its cache keys.

    ``layers`` maps each layer name to its canonical text (the tools layer to
    its canonical JSON text), in the order of :data:`LAYERS`, and
    ``layer_bytes`` to the same as UTF-8, the bytes the keys are derived from;
    ``layer_keys`` maps each layer name to the key of the prefix up to and
    including that layer, so a client can use the deepest layer its sessions
    share; ``key`` is the key of the whole prefix.  ``layers`` and ``changes``
    are computed on first access.
    """

    key: str
    layer_keys: Mapping[LayerName, str]
    layer_bytes: Mapping[LayerName, bytes]
    bindings: Mapping[str, str]
    spec: str
    _explain: Callable[[], tuple[Change, ...]]
    _restore: Callable[[], dict[LayerName, str]]

    @classmethod
    def build(
        cls,
        *,
        data: dict[LayerName, bytes],
        layer_keys: dict[LayerName, str],
        bindings: dict[str, str],
        spec: str,
        explain: Callable[[], tuple[Change, ...]],
        restore: Callable[[], dict[LayerName, str]],
    ) -> CanonicalPrefix:
        """Wrap freshly computed mappings read-only (no copy: the caller gives them up)."""
        return cls(
            key=layer_keys[LAYERS[-1]],
            layer_keys=MappingProxyType(layer_keys),
            layer_bytes=MappingProxyType(data),
            bindings=MappingProxyType(bindings),
            spec=spec,
            _explain=explain,
            _restore=restore,
        )

    @cached_property
    def layers(self) -> Mapping[LayerName, str]:
        """The canonical text of each layer, in the order of :data:`LAYERS`."""
        return MappingProxyType(
            {name: data.decode("utf-8") for name, data in self.layer_bytes.items()}
        )

    @property
    def size(self) -> int:
        """The canonical bytes of all layers together."""
        return sum(len(data) for data in self.layer_bytes.values())

    def restore(self) -> dict[LayerName, str]:
        """All four layers with every placeholder replaced by its value (SPEC.md 5.8).

        Each text layer is exactly the input after the text and ordering rules: hoisting
        loses nothing, and placeholder look-alikes the input had (escaped as
        ``{{!DATE_1}}`` in ``layers``) are as the input had them.  The tools layer, from
        which nothing is hoisted, is its canonical JSON text (SPEC.md 4), as in ``layers``.
        """
        return self._restore()

    def render_bindings(self) -> str:
        """The block a client sends after the stable prefix, so the model sees real values.

        Empty when nothing was hoisted; a value's further lines are indented (SPEC.md 5.9).
        """
        if not self.bindings:
            return ""
        lines = [
            f"{placeholder} = " + value.replace("\n", "\n" + BINDINGS_INDENT)
            for placeholder, value in self.bindings.items()
        ]
        return "\n".join([BINDINGS_OPEN, BINDINGS_LEAD, *lines, BINDINGS_CLOSE]) + "\n"

    @cached_property
    def changes(self) -> tuple[Change, ...]:
        """What each rule changed, in rule order then position order."""
        return self._explain()

    def __repr__(self) -> str:
        return f"CanonicalPrefix(key={self.key!r}, bindings={len(self.bindings)})"
