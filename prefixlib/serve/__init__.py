"""``prefixlib serve``: a loopback proxy that gives independent agent sessions one cache key.

It sits between a client (Codex, Claude Code, an SDK) and its provider, forwards every request
with its response streamed back, and sets the key of the canonical stable prefix on the model
requests (``key`` mode) or rewrites the prefix itself (``canonical`` mode).  Needs the
``prefixlib[serve]`` extra (aiohttp).  README "prefixlib serve" shows the setup.
"""

from __future__ import annotations

from prefixlib.serve.config import ServeConfig
from prefixlib.serve.proxy import make_app, route_of, start

__all__ = ["ServeConfig", "make_app", "route_of", "start"]
