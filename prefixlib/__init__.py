"""prefixlib: canonical, cacheable LLM startup prefixes with layered cache keys.

Quick start::

    import prefixlib

    cp = prefixlib.canonicalize(base=BASE, developer=DEV, project=AGENTS_MD, tools=TOOLS)
    cp.key          # the cache key of the whole prefix, e.g. for OpenAI's prompt_cache_key
    cp.layer_keys   # layer name -> key of the prefix up to that layer
    cp.layers       # layer name -> canonical text to send
    cp.render_bindings()  # the session's real values, sent after the stable prefix

SPEC.md is the normative description of the canonical form and the keys.
"""

from __future__ import annotations

from prefixlib.cacheability import Cacheability, cacheability
from prefixlib.errors import (
    ArgumentError,
    EncodingError,
    InputError,
    PolicyError,
    PrefixlibError,
    ToolsError,
)
from prefixlib.key import SPEC_VERSION
from prefixlib.learn import Proposal, learn
from prefixlib.model import LAYERS, CanonicalPrefix, Change
from prefixlib.pipeline import cache_key, canonicalize, derive_keys
from prefixlib.policy import Policy

__version__ = "0.1.0.dev0"

__all__ = [
    "LAYERS",
    "SPEC_VERSION",
    "ArgumentError",
    "Cacheability",
    "CanonicalPrefix",
    "Change",
    "EncodingError",
    "InputError",
    "Policy",
    "PolicyError",
    "PrefixlibError",
    "Proposal",
    "ToolsError",
    "__version__",
    "cache_key",
    "cacheability",
    "canonicalize",
    "derive_keys",
    "learn",
]
