"""Key derivation (SPEC.md 6), checked against a re-derivation written from the spec text."""

from __future__ import annotations

import base64
import re

import pytest
import rfc8785
from blake3 import blake3

import prefixlib
from prefixlib.key import frame

CONTEXT = "prefixlib 2026-11-24 spec v1 prompt prefix cache key"
SECRET_CONTEXT = "prefixlib 2026-11-24 spec v1 secret to keyed-hash key"
POLICY_CONTEXT = "prefixlib 2026-11-24 spec v1 policy fingerprint"
PRINTED = re.compile(r"pl1_[A-Za-z0-9_-]{43}")


def _spec_keys(
    layers: dict[str, str], namespace: str = "", secret: bytes | None = None
) -> dict[str, str]:
    """SPEC.md 6.1-6.4, written out independently of prefixlib.key."""

    def field(tag: bytes, value: bytes) -> bytes:
        return bytes([len(tag)]) + tag + len(value).to_bytes(8, "big") + value

    def h(message: bytes) -> bytes:
        if secret is None:
            return blake3(message, derive_key_context=CONTEXT).digest()
        k = blake3(secret, derive_key_context=SECRET_CONTEXT).digest()
        return blake3(message, key=k).digest()

    policy_json = rfc8785.dumps(prefixlib.Policy().as_dict())
    policy = blake3(policy_json, derive_key_context=POLICY_CONTEXT).digest()
    state = h(
        b"\x00"
        + field(b"spec", b"1")
        + field(b"policy", policy)
        + field(b"namespace", namespace.encode())
    )
    keys = {}
    for name in ("base", "developer", "project", "tools"):
        state = h(b"\x01" + state + field(name.encode(), layers[name].encode()))
        keys[name] = "pl1_" + base64.urlsafe_b64encode(state).decode().rstrip("=")
    return keys


LAYERS = {"base": "Base.\n", "developer": "Dev.\n", "project": "Proj.\n", "tools": ""}


@pytest.mark.parametrize(
    ("namespace", "secret"), [("", None), ("tenant-a", None), ("", bytes(range(32)))]
)
def test_keys_follow_the_spec_text(namespace: str, secret: bytes | None) -> None:
    cp = prefixlib.canonicalize(
        base="Base.", developer="Dev.", project="Proj.", namespace=namespace, secret=secret
    )
    assert dict(cp.layers) == LAYERS
    expected = _spec_keys(LAYERS, namespace, secret)
    assert dict(cp.layer_keys) == expected
    assert cp.key == expected["tools"]


@pytest.mark.parametrize("secret", [None, bytes(range(32))])
def test_keys_of_large_layers_follow_the_spec_text(secret: bytes | None) -> None:
    # 100 KB is hashed in updates and 9 MB with threads, large ASCII layers through a view
    # of the str (prefixlib.utf8): the digest must not change
    layers = {
        "base": "b" * 100_000 + "\n",
        "developer": "d" * 9_000_000 + "\n",
        "project": "Proj.\n" + "Café. " * 20_000,
        "tools": "",
    }
    assert prefixlib.derive_keys(layers, secret=secret) == _spec_keys(layers, secret=secret)


def test_frame_layout() -> None:
    assert frame("spec", b"1") == b"\x04spec" + b"\x00" * 7 + b"\x01" + b"1"
    assert frame("tools", b"") == b"\x05tools" + b"\x00" * 8


def test_printed_form() -> None:
    key = prefixlib.cache_key(project="x")
    assert PRINTED.fullmatch(key)
    assert len(key) == 47 <= 64


def test_empty_prefix_has_a_key() -> None:
    assert PRINTED.fullmatch(prefixlib.cache_key())
    assert prefixlib.cache_key() == prefixlib.cache_key(base="", tools=[])


def test_layer_keys_chain() -> None:
    a = prefixlib.canonicalize(base="B", developer="D", project="alpha", tools=[{"name": "t"}])
    b = prefixlib.canonicalize(base="B", developer="D", project="beta", tools=[{"name": "t"}])
    assert list(a.layer_keys) == ["base", "developer", "project", "tools"]
    assert a.layer_keys["base"] == b.layer_keys["base"]
    assert a.layer_keys["developer"] == b.layer_keys["developer"]
    assert a.layer_keys["project"] != b.layer_keys["project"]
    assert a.key != b.key
    assert len(set(a.layer_keys.values())) == 4


def test_empty_layers_are_framed() -> None:
    assert prefixlib.cache_key(base="x") != prefixlib.cache_key(developer="x")
    assert prefixlib.cache_key(developer="x") != prefixlib.cache_key(project="x")


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_secret_must_be_32_bytes(size: int) -> None:
    with pytest.raises(prefixlib.PrefixlibError, match="secret must be 32 bytes"):
        prefixlib.cache_key(project="x", secret=b"s" * size)


def test_secret_type_is_checked() -> None:
    with pytest.raises(TypeError, match="secret must be bytes"):
        prefixlib.cache_key(project="x", secret="not bytes" * 4)  # type: ignore[arg-type]


def test_derive_keys_of_stored_layers() -> None:
    cp = prefixlib.canonicalize(
        base="B",
        project="cwd: /home/alice/api\nToday's date is 2026-11-24",
        tools=[{"name": "t"}],
        namespace="ns",
    )
    assert prefixlib.derive_keys(cp.layers, namespace="ns") == dict(cp.layer_keys)
    assert prefixlib.derive_keys({"base": "B\n"}) == dict(
        prefixlib.canonicalize(base="B").layer_keys
    )
    with pytest.raises(prefixlib.PrefixlibError, match="unknown layer 'system'"):
        prefixlib.derive_keys({"system": "x"})
