"""What ``prefixlib serve`` runs with: listen address, upstreams, mode per route, shards.

The values come from the command line over the policy file's ``[serve]`` table over the
defaults here (README "prefixlib serve").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_ANTHROPIC_UPSTREAM",
    "DEFAULT_OPENAI_UPSTREAM",
    "MODES",
    "Mode",
    "ServeConfig",
    "check_upstream",
]

Mode = Literal["key", "canonical", "off"]
MODES: tuple[Mode, ...] = ("key", "canonical", "off")

DEFAULT_OPENAI_UPSTREAM = "https://api.openai.com"
DEFAULT_ANTHROPIC_UPSTREAM = "https://api.anthropic.com"


def check_upstream(url: str, *, source: str) -> str:
    """``url`` without a trailing slash, if it is an absolute http(s) URL; else ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{source}: expected an http:// or https:// URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{source}: an upstream URL has no query or fragment: {url!r}")
    return url.rstrip("/")


@dataclass(frozen=True)
class ServeConfig:
    """Everything the proxy needs; immutable once the server starts.

    ``openai_mode`` applies to ``/v1/responses`` and ``/v1/chat/completions``,
    ``anthropic_mode`` to ``/v1/messages``.  ``key_header`` names a request header the
    proxy also sets to the key (for an upstream that derives cache affinity from a
    header).  ``default_upstream`` takes a request that names neither API (no model path,
    no auth header).  ``verbose`` logs the first divergence from the previous prefix of a key.
    """

    host: str = "127.0.0.1"
    port: int = 8787
    openai_upstream: str = DEFAULT_OPENAI_UPSTREAM
    anthropic_upstream: str = DEFAULT_ANTHROPIC_UPSTREAM
    openai_mode: Mode = "key"
    anthropic_mode: Mode = "canonical"
    shards: int = 1
    key_header: str | None = None
    default_upstream: Literal["openai", "anthropic"] = "openai"
    verbose: bool = False
    connect_timeout: float = 10.0

    def with_table(self, table: Mapping[str, Any], *, source: str) -> ServeConfig:
        """This config updated from a ``[serve]`` table (names as the long options, ``-`` or ``_``).

        ``mode`` sets both routes' modes; ``openai-mode`` / ``anthropic-mode`` set one.
        Raises ``ValueError`` naming ``source`` and the entry for a bad name or value.
        """
        known = {f.name for f in fields(self)}
        changes: dict[str, Any] = {}
        for raw_name, value in table.items():
            name = raw_name.replace("-", "_")
            where = f"{source}: [serve] {raw_name}"
            if name == "mode":
                changes["openai_mode"] = changes["anthropic_mode"] = _mode(value, where)
            elif name in ("openai_mode", "anthropic_mode"):
                changes[name] = _mode(value, where)
            elif name not in known:
                raise ValueError(f"{where}: unknown setting")
            else:
                changes[name] = _typed(name, value, where)
        return replace(self, **changes)


def _mode(value: object, where: str) -> Mode:
    for mode in MODES:
        if value == mode:
            return mode
    raise ValueError(f"{where}: expected one of {', '.join(MODES)}, got {value!r}")


def _typed(name: str, value: object, where: str) -> object:
    """``value`` checked against the type of the field ``name``."""
    if name in ("host",) and isinstance(value, str) and value:
        return value
    if name in ("openai_upstream", "anthropic_upstream") and isinstance(value, str):
        return check_upstream(value, source=where)
    if name == "port" and type(value) is int and 0 <= value < 65536:
        return value
    if name == "shards" and type(value) is int and value >= 1:
        return value
    if name == "key_header" and isinstance(value, str) and value:
        return value
    if name == "default_upstream" and value in ("openai", "anthropic"):
        return value
    if name == "verbose" and isinstance(value, bool):
        return value
    if name == "connect_timeout" and type(value) in (int, float) and float(str(value)) > 0:
        return float(str(value))
    raise ValueError(f"{where}: invalid value {value!r}")
