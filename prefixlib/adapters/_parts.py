"""What the provider adapters share: where each piece of the stable prefix sits in a request,
how the pieces of one layer are joined into the layer and found again, and how a new request
is built from the caller's without touching it.

A request is JSON-like data (dicts, lists, strings).  The stable prefix is a sequence of
*parts*, each a text (a string, or the ``text`` of a content block) at a *path* of keys
and indices from the request's top level, assigned to one layer.  The parts of one layer
are joined with :data:`PART_SEPARATOR` on a line of its own; after canonicalisation the
separator lines are found again, so each part gets its own canonical text back and the
request keeps its shape (a block stays a block: Claude Code's billing line stays its own
system block).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from prefixlib.errors import ArgumentError, InputError
from prefixlib.model import LAYERS, LayerName

__all__ = [
    "DEFAULT_PROJECT_MARKERS",
    "PART_SEPARATOR",
    "Boundary",
    "Editor",
    "Kind",
    "LayerMap",
    "Part",
    "Split",
    "check_parts",
    "is_project_text",
    "join_layers",
    "join_parts",
    "unjoin_layer",
]

Kind = Literal["responses", "chat", "messages"]
Path = tuple[str | int, ...]

#: The line that joins the parts of one layer (a layer spanning several blocks or items).
#: It survives every rule of SPEC.md 3 and 5 as a line of its own: it is not blank, not a
#: bullet, lead-in or marker (3.9), and holds no value any rule hoists (5).
PART_SEPARATOR: Final = "<!-- prefixlib: part -->"

#: How a startup user part of a coding agent begins: Codex's AGENTS.md header, its
#: ``<INSTRUCTIONS>``, ``<environment_context>`` and ``<user_instructions>`` blocks, and
#: Claude Code's ``<system-reminder>`` (see ../shared/captures/README.md).
DEFAULT_PROJECT_MARKERS: Final = (
    "# AGENTS.md instructions for",
    "<INSTRUCTIONS>",
    "<environment_context>",
    "<user_instructions>",
    "<system-reminder>",
)


@dataclass(frozen=True)
class LayerMap:
    """How the messages of a request map onto layers; every field can be overridden.

    ``system`` is the layer of ``instructions``, Anthropic's ``system`` and ``system``
    messages; ``developer`` the layer of ``developer`` messages (and of ``system``
    messages inside Anthropic's ``messages``).  With ``first_as_base``, the first system
    or developer message of a request that has no ``instructions``/``system`` goes to
    ``system``'s layer whatever its role, as Codex sends its base prompt as the first
    ``developer`` item (SPEC.md 9.2).
    A user part whose text, after leading whitespace, starts with one of
    ``project_markers`` is startup context (``project``); the first user part that does
    not is the user's actual turn, where the conversation begins.
    """

    system: LayerName = "base"
    developer: LayerName = "developer"
    first_as_base: bool = True
    project_markers: tuple[str, ...] = DEFAULT_PROJECT_MARKERS

    def __post_init__(self) -> None:
        for name in ("system", "developer"):
            if getattr(self, name) not in ("base", "developer", "project"):
                raise ArgumentError(f"{name} must be a text layer, not {getattr(self, name)!r}")
        markers = self.project_markers
        if not isinstance(markers, tuple) or not all(isinstance(m, str) and m for m in markers):
            raise ArgumentError("project_markers must be a tuple of non-empty strings")


@dataclass(frozen=True)
class Part:
    """One text of the stable prefix: its layer, where it sits, and its text as sent."""

    layer: LayerName
    path: Path
    text: str


@dataclass(frozen=True)
class Boundary:
    """Where the conversation begins: the bindings go right before it.

    ``path`` is the list that holds the conversation's first element (``("input",)``,
    ``("messages",)``, or a message's content list); ``index`` is that element's index in
    it (the list's length when there is no conversation).  ``whole`` says the list's
    elements are messages (so the bindings are a message of their own) rather than
    content blocks of one message.
    """

    path: Path
    index: int
    whole: bool


@dataclass(frozen=True)
class Split:
    """A request's shape and its stable prefix as raw :func:`~prefixlib.canonicalize` layers.

    ``layers`` holds ``base``, ``developer`` and ``project`` (the layer's parts joined
    with :data:`PART_SEPARATOR` lines) where the request has them, and ``tools`` (a list
    of tool definitions) where it has tools: pass it on as
    ``canonicalize(**split.layers)``.  ``parts`` says where each text sits;
    ``boundary`` where the conversation begins; ``tools_paths`` where the tool
    definitions are (the top-level ``tools``, and Codex's leading ``additional_tools``
    input items); ``bindings_at`` where the bindings block of an earlier preparation is
    (its placeholders are restored in ``layers``); ``breakpoints`` how many cache
    breakpoints the caller set (``cache_control``, ``prompt_cache_breakpoint``).
    """

    kind: Kind
    layers: dict[str, Any]
    parts: tuple[Part, ...] = ()
    boundary: Boundary | None = None
    tools_paths: tuple[Path, ...] = ()
    bindings_at: Path | None = None
    breakpoints: int = field(default=0, compare=False)


def is_project_text(text: str, markers: Sequence[str]) -> bool:
    """Whether a user part is startup context: it starts with one of ``markers``."""
    head = text.lstrip()
    return any(head.startswith(marker) for marker in markers)


def join_parts(texts: Sequence[str]) -> str:
    """The layer of several parts: the parts with a separator line between each two, the
    line between blank lines (SPEC.md 9.3)."""
    return f"\n\n{PART_SEPARATOR}\n\n".join(texts)


def check_parts(parts: Sequence[Part]) -> None:
    """A part may not hold the separator line the parts are joined with (SPEC.md 9.3)."""
    for part in parts:
        if PART_SEPARATOR in part.text:
            where = ".".join(str(step) for step in part.path)
            raise InputError(
                f"holds {PART_SEPARATOR!r}, the line prefixlib joins the parts of a layer with",
                source=where,
            )


def join_layers(parts: Sequence[Part]) -> dict[str, Any]:
    """The raw text layers of the parts: each layer's parts joined in request order, the
    layers in their fixed order (SPEC.md 2, 9.3)."""
    check_parts(parts)
    layers: dict[str, Any] = {}
    for name in LAYERS:
        texts = [part.text for part in parts if part.layer == name]
        if texts:
            layers[name] = join_parts(texts)
    return layers


def unjoin_layer(text: str, count: int) -> list[str] | None:
    """The canonical text of each part of a canonical layer joined by :func:`join_parts`.

    Each part's text ends with one LF, like a canonical layer; a part that canonicalised
    to nothing is ``""``.  ``None`` if the separator lines are not ``count - 1`` (a part's
    own text held the separator line).
    """
    if count == 1:
        return [text]
    pieces = ("\n" + text).split(f"\n{PART_SEPARATOR}\n")
    if len(pieces) != count:
        return None
    out = []
    for piece in pieces:
        body = piece.strip("\n")
        out.append(body + "\n" if body else "")
    return out


def get_at(root: Any, path: Path) -> Any:
    """The value at ``path`` in ``root``."""
    node = root
    for step in path:
        node = node[step]
    return node


class Editor:
    """Builds a new request from the caller's, copying only the containers it changes.

    The caller's request, and every container in it, is never mutated: each container
    on a path that is written is copied once (shallowly) and the copy is written.
    """

    def __init__(self, request: Mapping[str, Any]) -> None:
        self.root: dict[str, Any] = dict(request)
        self._fresh: set[int] = {id(self.root)}

    def mutable(self, path: Path) -> Any:
        """The container at ``path``, copied (with every container above it) if not yet."""
        node: Any = self.root
        for step in path:
            child = node[step]
            if id(child) not in self._fresh:
                child = _copy(child)
                node[step] = child
                self._fresh.add(id(child))
            node = child
        return node

    def set(self, path: Path, value: Any) -> None:
        """Set the value at ``path``."""
        self.mutable(path[:-1])[path[-1]] = value

    def update(self, path: Path, change: Callable[[Any], Any]) -> None:
        """Replace the value at ``path`` by ``change(value)``."""
        parent = self.mutable(path[:-1])
        parent[path[-1]] = change(parent[path[-1]])

    def insert(self, path: Path, index: int, value: Any) -> None:
        """Insert ``value`` into the list at ``path``."""
        self.mutable(path).insert(index, value)


def _copy(node: Any) -> Any:
    """A shallow copy of a dict or list, the containers a request is made of."""
    if isinstance(node, dict):
        return dict(node)
    if isinstance(node, list):
        return list(node)
    raise TypeError(f"cannot edit inside a {type(node).__name__}")


def content_parts(
    content: Any, path: Path, *, text_types: Sequence[str]
) -> list[tuple[Path, str]] | None:
    """The texts of a message's content: ``[(path, text)]`` of its text blocks in order.

    A string content is one text at ``path``; a list gives its blocks of ``text_types``
    (other blocks, images and files, pass through and are not part of a layer).  ``None``
    for content of another type.
    """
    if isinstance(content, str):
        return [(path, content)]
    if isinstance(content, list):
        return [
            ((*path, i, "text"), block["text"])
            for i, block in enumerate(content)
            if isinstance(block, dict)
            and block.get("type") in text_types
            and isinstance(block.get("text"), str)
        ]
    return None


def check_request(request: object, source: str = "request") -> Mapping[str, Any]:
    """A request must be a JSON object (a mapping)."""
    if not isinstance(request, Mapping):
        raise ArgumentError(
            f"a {source} must be a JSON object (a dict), not {type(request).__name__}"
        )
    return request
