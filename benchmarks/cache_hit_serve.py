"""cache_hit.py's serve arms: captured Codex request bodies, as Codex sends them and via serve.

The sessions are ../shared/captures/codex-a.json varied as users vary it: the user and home
(Linux ``/home/u`` or macOS ``/Users/u``), the checkout path, the day, the time zone, and every
id (item ids, thread id, installation id).  Each session's body goes to the simulated provider
of cache_hit.py three ways:

- ``codex (thread key)``: as Codex sends it, ``prompt_cache_key`` = its thread id;
- ``serve key``: through prefixlib serve's key mode (the same bytes, prefixlib's key);
- ``serve canonical``: through its canonical mode (the adapters' rewrite).

The bodies go through :class:`prefixlib.serve.shape.Shaper`, the code the proxy runs on each
request, without the HTTP around it.  A request is rendered as cache_hit.py renders one:
the tools, then each input item as a message.  The bound is the stable prefix (the items before
the session's own values) of every session after the first: target, canonical >= 99% of it.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CAPTURE = Path(__file__).resolve().parents[2] / "shared" / "captures" / "codex-a.json"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
USERS = ("alice", "bob", "carol", "dmitri", "eun-ji", "farid", "gro", "hana")
CHECKOUTS = ("work/ledger", "src/ledger", "code/ledger", "projects/ledger", "ledger")
ZONES = ("Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo", "UTC", "Australia/Sydney")


def variants(count: int, seed: int) -> list[bytes]:
    """``count`` Codex bodies of one project as different users on different days send them."""
    text = json.dumps(json.loads(CAPTURE.read_text(encoding="utf-8")), ensure_ascii=False,
                      separators=(",", ":"))  # fmt: skip
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        user = rng.choice(USERS)
        home = f"/Users/{user}" if rng.random() < 0.3 else f"/home/{user}"
        cwd = f"{home}/{rng.choice(CHECKOUTS)}"
        day = (date(2026, 11, 1) + timedelta(days=rng.randrange(60))).isoformat()
        ids = {old: str(uuid.UUID(int=rng.getrandbits(128), version=4))
               for old in sorted(set(UUID.findall(text)))}  # fmt: skip
        body = UUID.sub(lambda m, ids=ids: ids[m[0]], text)
        body = body.replace("/home/alice/work/ledger", cwd).replace("/home/alice", home)
        body = body.replace("2026-11-30", day).replace("Europe/Berlin", rng.choice(ZONES))
        bodies.append(body.encode("utf-8"))
    return bodies


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))


def messages(body: dict[str, Any], bindings_lead: str) -> tuple[list[tuple[str, str]], int]:
    """The request as (role, content) messages, tools first, and how many are stable."""
    tools = json.dumps(body.get("tools", []), ensure_ascii=False, separators=(",", ":"))
    items = [(str(i.get("role", "user")), _text(i.get("content", ""))) for i in body["input"]]
    stable = next(
        (n for n, (_, text) in enumerate(items) if text.startswith(bindings_lead)),
        len(items) - 1,  # as sent: everything before the user's prompt
    )
    return [("tools", tools), *items], 1 + stable


def run(cache_hit: Any, tokenizer: Any, *, sessions: int, machines: int, seed: int) -> Any:
    """Run the three arms; print their table; return the figures (None without the capture)."""
    if not CAPTURE.is_file():
        print(f"serve arms: skipped, {CAPTURE} is absent")
        return None
    from prefixlib.model import BINDINGS_LEAD
    from prefixlib.serve.config import ServeConfig
    from prefixlib.serve.shape import Shaper

    arms = {
        "codex (thread key)": None,
        "serve key": Shaper(ServeConfig(openai_mode="key")),
        "serve canonical": Shaper(ServeConfig(openai_mode="canonical")),
    }
    results: dict[str, Any] = {}
    for name, shaper in arms.items():
        provider = cache_hit.Provider(machines)
        arm = cache_hit.Arm(name, "")
        bound = cache_hit.Bound()
        for index, raw in enumerate(variants(sessions, seed)):
            thread = json.loads(raw)["prompt_cache_key"]
            if shaper is None:
                body, key = raw, thread
            else:
                shaped = shaper.shape("responses", raw, {"session-id": thread})
                assert shaped.reason is None, shaped.reason
                body, key = shaped.body, str(shaped.key)
            listed, stable = messages(json.loads(body), BINDINGS_LEAD)
            request = cache_hit.Request(key, tuple(listed), stable=stable)
            tokens, stable_tokens = cache_hit.render(request, tokenizer)
            machine, hit = provider.serve(key, tokens)
            arm.record(key, machine, len(tokens), hit)
            if index:
                bound.tokens += cache_hit.cacheable(stable_tokens)
                bound.cached += min(hit, cache_hit.cacheable(stable_tokens))
        results[name] = (arm, bound)
    rows = [
        (name, len(arm.per_request), f"{arm.input_tokens:,}", f"{arm.cached_tokens:,}",
         f"{arm.fraction:.1%}", f"{bound.fraction:.1%}", len(arm.keys))
        for name, (arm, bound) in results.items()
    ]  # fmt: skip
    print()
    print(
        f"serve arms: {sessions} Codex sessions of one project (captures/codex-a.json varied "
        "by user, home, checkout, day, time zone and ids), through prefixlib serve's Shaper"
    )
    headers = ("arm", "requests", "input tokens", "cached", "cached %", "of stable bound",
               "keys")  # fmt: skip
    print(cache_hit.common.format_table(headers, rows))
    canonical = results["serve canonical"][1].fraction
    verdict = "met" if canonical >= cache_hit.TARGET_OF_BOUND else "NOT met"
    print(f"target: serve canonical caches >= 99% of the stable-prefix bound: {verdict}")
    return {
        name: {
            "requests": len(arm.per_request),
            "input_tokens": arm.input_tokens,
            "cached_tokens": arm.cached_tokens,
            "cached_fraction": arm.fraction,
            "stable_bound_tokens": bound.tokens,
            "stable_bound_fraction": bound.fraction,
            "distinct_keys": len(arm.keys),
        }
        for name, (arm, bound) in results.items()
    }
