"""The policy: which rules run and how, and its fingerprint (SPEC.md 7).

A policy is a frozen pydantic model validated once, where it enters.  Its
fingerprint is part of every key, so two different policies never share keys.
"""

from __future__ import annotations

from functools import cached_property
from typing import Final

from blake3 import blake3
from pydantic import BaseModel, ConfigDict

from prefixlib.rules.canonical_json import dumps

__all__ = ["POLICY_CONTEXT", "Policy"]

#: BLAKE3 derive-key context of the policy fingerprint (SPEC.md 7.1).
POLICY_CONTEXT: Final = "prefixlib 2026-11-24 spec v1 policy fingerprint"


class Policy(BaseModel):
    """How prefixlib canonicalises a prefix.  The default is what SPEC.md describes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @cached_property
    def fingerprint(self) -> bytes:
        """BLAKE3 of the policy's RFC 8785 JSON form, 32 bytes (SPEC.md 7.1)."""
        return blake3(
            dumps(self.model_dump(mode="json"), source="policy").encode("utf-8"),
            derive_key_context=POLICY_CONTEXT,
        ).digest()
