"""The outcome metric: how much of fresh sessions' first requests a provider's cache serves.

Run from the repository root::

    python benchmarks/cache_hit.py              # 50 sessions of 3 projects
    python benchmarks/cache_hit.py --quick      # CI: fewer sessions (well under 20 s)
    python benchmarks/cache_hit.py --json out.json --sessions 200 --machines 32

Sessions are built the way a Codex-like client builds its first request (shared/CLIENTS.md):
``instructions`` = a Codex base prompt from the corpus; a developer message with the
permissions templates of the corpus, naming the writable roots (Codex's defaults: the cwd,
``/tmp`` on Linux and macOS, and ``$TMPDIR``: a per-user folder on macOS and Windows, unset on
Linux); a user message with ``# AGENTS.md instructions for {cwd}``, the project's
AGENTS.md, an ``<environment_context>`` block and a session id line; the tools (built-in
tools in a fixed order, MCP tools in an order that differs by session); then the user's
first message.  Per session the user name, the OS (Linux ``/home/u``, macOS ``/Users/u``,
Windows ``C:\\Users\\u`` with CRLF line endings in AGENTS.md), the checkout location, the
day, the time zone, the session id (a UUID4 from a seeded RNG) and the MCP tool order vary.
The shell is fixed per project: a real orchestrator runs one shell.

The simulated provider follows OpenAI's documented behaviour: an exact token-prefix match
counted in whole 128-token blocks, nothing cached below 1024 tokens, a request routed to
one of M machines by a hash of ``prompt_cache_key`` and the first 256 tokens, each machine
keeping the (chained block hashes of the) prefixes it has served.  Nothing is evicted: the
sessions are taken to arrive within the retention window.  Each request is rendered as
harmony-style messages (``<|start|>role<|message|>content<|end|>``, the markers being single
special tokens, each message tokenized on its own), tools first by default.

Arms: (1) raw requests keyed by the thread id, as Codex does today; (2) raw requests with
one fixed key; (3) prefixlib: the layers canonicalised, sent as tools, base, developer,
project, then ``cp.render_bindings()``, then the user message, keyed by ``cp.key``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
import uuid
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import _common as common  # benchmarks/, on sys.path as the running script's folder
import cache_hit_serve

import prefixlib

BLOCK = 128  # tokens per cache block (OpenAI)
MINIMUM = 1024  # no cache below this many tokens (OpenAI)
ROUTE_TOKENS = 256  # leading tokens hashed with the key to pick a machine (OpenAI: "roughly")
TARGET_OF_BOUND = 0.99  # prefixlib's cached tokens as a share of its upper bound

#: Single special tokens framing each message, with o200k_harmony's ids.
START, END, MESSAGE = 200006, 200007, 200008


@dataclass(frozen=True)
class Project:
    """A project an orchestrator starts sessions of; its files are corpus paths."""

    name: str
    org: str
    agents: str
    base: str
    approval: str
    network: bool
    shell: str


PROJECTS = (
    Project(
        "codex",
        "openai",
        "agents/openai__codex__AGENTS.md",
        "codex/codex-rs/core/gpt-5.2-codex_prompt.md",
        "on_request",
        False,
        "zsh",
    ),
    Project(
        "ruff",
        "astral-sh",
        "agents/astral-sh__ruff__AGENTS.md",
        "codex/codex-rs/core/gpt_5_codex_prompt.md",
        "on_failure",
        True,
        "bash",
    ),
    Project(
        "pydantic-ai",
        "pydantic",
        "agents/pydantic__pydantic-ai__AGENTS.md",
        "codex/codex-rs/core/gpt_5_2_prompt.md",
        "on_request",
        False,
        "bash",
    ),
    Project(
        "openai-agents-python",
        "openai",
        "agents/openai__openai-agents-python__AGENTS.md",
        "codex/codex-rs/core/prompt.md",
        "never",
        True,
        "bash",
    ),
    Project(
        "python-sdk",
        "modelcontextprotocol",
        "agents/modelcontextprotocol__python-sdk__AGENTS.md",
        "codex/codex-rs/core/gpt-5.2-codex_prompt.md",
        "unless_trusted",
        False,
        "pwsh",
    ),
    Project(
        "claude-agent-sdk-python",
        "anthropics",
        "agents/anthropics__claude-agent-sdk-python__CLAUDE.md",
        "codex/codex-rs/core/gpt_5_codex_prompt.md",
        "on_request",
        False,
        "bash",
    ),
)

#: The one project of the fallback, the example session (its files are fixed by Sources).
EXAMPLE_PROJECT = Project("example", "example", "AGENTS.md", "base.md", "on_request", False, "bash")

PERMISSIONS = "codex/codex-rs/protocol/src/prompts/permissions"
USERS = ("alice", "bob", "carol", "dmitri", "eun-ji", "farid", "grace", "hiro")
#: Operating systems of the sessions, with their weights.
OSES = {"linux": 0.5, "macos": 0.35, "windows": 0.15}
LOCATIONS = ("src/{name}", "code/{name}", "work/{org}/{name}", "projects/{name}", "dev/{name}-wt2")
TIMEZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
)
FIRST_DAY = date(2026, 11, 20)
DAYS = 7
FIRST_MESSAGES = (
    "Fix the failing test in the CI run and explain the cause.",
    "Add a --json flag to the status command and document it.",
    "Review the open diff for correctness and style; do not edit files.",
    "Profile the slow path in the parser and propose a fix.",
    "Update the dependency pins and make sure the suite still passes.",
    "Write a migration note for the breaking change in the last release.",
    "Find where the config file is loaded and add validation with clear errors.",
    "Rename the helper module and update every import.",
)


# Sources of the texts ---------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """Where the prompt texts come from: the shared corpus, or the example session."""

    root: Path
    from_corpus: bool

    def read(self, relative: str) -> str:
        """One file of the source, as text."""
        return (self.root / relative).read_text(encoding="utf-8")

    def base(self, project: Project) -> str:
        """The project's base instructions."""
        return self.read(project.base if self.from_corpus else "base.md")

    def agents(self, project: Project) -> str:
        """The project's AGENTS.md (LF line endings, as stored)."""
        return self.read(project.agents if self.from_corpus else "AGENTS.md")

    def permissions(self, project: Project) -> tuple[str, str]:
        """The sandbox text (network access filled in) and the approval policy text."""
        if not self.from_corpus:
            body = self.read("developer.md").strip().splitlines()
            return "\n".join(line for line in body if not line.startswith("<")), ""
        sandbox = self.read(f"{PERMISSIONS}/sandbox_mode/workspace_write.md").strip()
        sandbox = sandbox.replace(
            "{network_access}", "enabled" if project.network else "restricted"
        )
        approval = self.read(f"{PERMISSIONS}/approval_policy/{project.approval}.md").strip()
        return sandbox, approval


def find_sources() -> Sources:
    """The shared corpus if present, else the example session."""
    corpus = common.find_corpus()
    if corpus is not None:
        return Sources(corpus, True)
    return Sources(common.EXAMPLES, False)


# Sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """One fresh session's volatile facts."""

    index: int
    project: Project
    user: str
    os: str
    cwd: str
    roots: tuple[str, ...]
    day: str
    timezone: str
    session_id: str
    tools: list[dict[str, Any]]
    first_message: str


def home(os_name: str, user: str) -> str:
    """The user's home directory on ``os_name``."""
    return {
        "linux": f"/home/{user}",
        "macos": f"/Users/{user}",
        "windows": f"C:\\Users\\{user}",
    }[os_name]


def join_path(os_name: str, *parts: str) -> str:
    """Parts joined with the OS's separator (the parts may hold ``/``)."""
    path = "/".join(parts)
    return path.replace("/", "\\") if os_name == "windows" else path


def writable_roots(os_name: str, cwd: str, user: str, rng: random.Random) -> tuple[str, ...]:
    """Codex's default workspace-write roots: the cwd, ``/tmp`` on Unix, and ``$TMPDIR``.

    ``$TMPDIR`` is usually unset on Linux, a per-user ``/var/folders/..../T`` on macOS; on
    Windows the temp directory is under the user's home.
    """
    if os_name == "linux":
        return (cwd, "/tmp")
    if os_name == "macos":
        tmpdir = (
            f"/var/folders/{rng.choice('abcdefgh')}{rng.randint(0, 9)}/{rng.getrandbits(40):x}/T"
        )
        return (cwd, "/tmp", tmpdir)
    return (cwd, join_path(os_name, home(os_name, user), "AppData/Local/Temp"))


def make_sessions(
    count: int, projects: Sequence[Project], seed: int, oses: Sequence[str] = tuple(OSES)
) -> list[Session]:
    """``count`` sessions, round-robin over ``projects``, all from one seeded RNG."""
    rng = random.Random(f"prefixlib-cache-hit-{seed}")
    builtin, mcp = common.load_tools()
    names = list(oses)
    weights = [OSES[name] for name in names]
    sessions = []
    for index in range(count):
        project = projects[index % len(projects)]
        user = rng.choice(USERS)
        os_name = rng.choices(names, weights)[0]
        location = rng.choice(LOCATIONS).format(name=project.name, org=project.org)
        cwd = join_path(os_name, home(os_name, user), location)
        order = list(mcp)
        rng.shuffle(order)
        sessions.append(
            Session(
                index=index,
                project=project,
                user=user,
                os=os_name,
                cwd=cwd,
                roots=writable_roots(os_name, cwd, user, rng),
                day=(FIRST_DAY + timedelta(days=rng.randrange(DAYS))).isoformat(),
                timezone=rng.choice(TIMEZONES),
                session_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                tools=[*builtin, *order],
                first_message=rng.choice(FIRST_MESSAGES),
            )
        )
    return sessions


@dataclass(frozen=True)
class ClientPrompt:
    """The parts of a first request as the client builds them (before any canonicalising)."""

    instructions: str
    developer: str
    context: str  # AGENTS.md block, environment_context and the session id line
    tools: list[dict[str, Any]]
    first_message: str


def client_prompt(session: Session, sources: Sources) -> ClientPrompt:
    """The first request of ``session`` as a Codex-like client builds it."""
    project = session.project
    sandbox, approval = sources.permissions(project)
    listed = ", ".join(f"`{root}`" for root in session.roots)
    plural = "roots are" if len(session.roots) > 1 else "root is"
    roots = f" The writable {plural} {listed}."
    developer = (
        f"<permissions instructions>\n{sandbox}{roots}\n{approval}\n</permissions instructions>"
    )
    agents = sources.agents(project)
    if session.os == "windows":
        agents = agents.replace("\n", "\r\n")
    context = (
        f"# AGENTS.md instructions for {session.cwd}\n\n<INSTRUCTIONS>\n{agents}\n</INSTRUCTIONS>"
        "\n\n<environment_context>\n"
        f"  <cwd>{session.cwd}</cwd>\n"
        f"  <shell>{project.shell}</shell>\n"
        f"  <current_date>{session.day}</current_date>\n"
        f"  <timezone>{session.timezone}</timezone>\n"
        "</environment_context>\n\n"
        f"session_id: {session.session_id}\n"
    )
    return ClientPrompt(
        instructions=sources.base(project),
        developer=developer,
        context=context,
        tools=session.tools,
        first_message=session.first_message,
    )


# Requests as the provider sees them ---------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A request as messages in rendering order; ``stable`` messages precede the bindings."""

    key: str
    messages: tuple[tuple[str, str], ...]  # (role, content)
    stable: int


def ordered(
    tools: str, instructions: str, rest: list[tuple[str, str]], *, tools_first: bool
) -> tuple[tuple[str, str], ...]:
    """Messages in the provider's rendering order: tools before or after the instructions."""
    head = [("tools", tools), ("system", instructions)]
    return tuple((head if tools_first else head[::-1]) + rest)


def raw_request(prompt: ClientPrompt, key: str, *, tools_first: bool) -> Request:
    """The request exactly as the client built it, under ``key``."""
    tools = json.dumps(prompt.tools, ensure_ascii=False, separators=(",", ":"))
    rest = [("developer", prompt.developer), ("user", prompt.context)]
    messages = ordered(tools, prompt.instructions, rest, tools_first=tools_first)
    return Request(key, (*messages, ("user", prompt.first_message)), stable=len(messages))


def prefixlib_request(
    prompt: ClientPrompt, *, tools_first: bool
) -> tuple[Request, prefixlib.CanonicalPrefix]:
    """The request with canonical layers, the bindings block after them, keyed by ``cp.key``."""
    cp = prefixlib.canonicalize(
        base=prompt.instructions,
        developer=prompt.developer,
        project=prompt.context,
        tools=prompt.tools,
    )
    layers = cp.layers
    rest = [("developer", layers["developer"]), ("user", layers["project"])]
    messages = ordered(layers["tools"], layers["base"], rest, tools_first=tools_first)
    tail = [("user", prompt.first_message)]
    bindings = cp.render_bindings()
    if bindings:
        tail.insert(0, ("user", bindings))
    return Request(cp.key, (*messages, *tail), stable=len(messages)), cp


# Tokenizers ----------------------------------------------------------------------------

#: o200k_base's pre-tokenizer pattern (tiktoken), for the approximation.
O200K_PATTERN = "|".join(
    [
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"\p{N}{1,3}",
        r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
        r"\s*[\r\n]+",
        r"\s+(?!\S)",
        r"\s+",
    ]
)
#: Bytes per approximate token: o200k_base averages about this per pre-token piece.
APPROX_CHUNK = 10
#: A stdlib-re stand-in for the pattern above where the ``regex`` package is missing.
ASCII_PATTERN = (
    r"'(?:s|t|re|ve|m|ll|d)| ?[A-Za-z]+| ?[0-9]{1,3}| ?[^\sA-Za-z0-9]+[\r\n/]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


@dataclass
class Tokenizer:
    """Text to token ids, with a cache: the same message text recurs across sessions."""

    name: str
    encode_text: Callable[[str], list[int]]
    exact: bool
    _cache: dict[str, list[int]] = field(default_factory=dict)

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text`` (ordinary text: no special tokens)."""
        ids = self._cache.get(text)
        if ids is None:
            ids = self._cache[text] = self.encode_text(text)
        return ids


def toktok_tokenizer() -> Tokenizer:
    """o200k_base from toktok-rs, whose vocabulary is compiled in (no download)."""
    import toktok

    encoding = toktok._encoding("o200k_base")  # the full encoder; its public API only counts
    return Tokenizer("o200k_base (toktok-rs, exact)", encoding.encode_ordinary, True)


def tiktoken_cache_has(url: str) -> bool:
    """Whether tiktoken's local cache holds ``url`` (so loading it needs no network)."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        directory = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        directory = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        directory = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    name = hashlib.sha1(url.encode()).hexdigest()
    return bool(directory) and os.path.exists(os.path.join(directory, name))


def tiktoken_tokenizer() -> Tokenizer:
    """o200k_base from tiktoken, only where its BPE file is already cached locally."""
    import tiktoken

    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    if not tiktoken_cache_has(url):
        raise ImportError("tiktoken's o200k_base file is not cached locally")
    encoding = tiktoken.get_encoding("o200k_base")
    return Tokenizer("o200k_base (tiktoken, exact)", encoding.encode_ordinary, True)


def approximate_tokenizer() -> Tokenizer:
    """APPROXIMATION: o200k's pre-tokenizer split, pieces cut into chunks of up to 10 bytes.

    Not real BPE: ids are hashes of the chunks, and the chunk size is only calibrated so
    that counts come out near o200k_base's on the corpus (within a few per cent).  Token
    boundaries follow the same pre-tokenizer, so where two prompts diverge (what a prefix
    cache sees) is close to the real tokenizer's.
    """
    pattern: Any
    try:
        import regex

        pattern, name = regex.compile(O200K_PATTERN), "o200k pre-tokenizer"
    except ImportError:
        import re

        pattern, name = re.compile(ASCII_PATTERN), "ASCII pre-tokenizer"

    def encode(text: str) -> list[int]:
        ids = []
        for piece in pattern.findall(text):
            data = piece.encode("utf-8")
            for start in range(0, len(data), APPROX_CHUNK):
                chunk = data[start : start + APPROX_CHUNK]
                digest = hashlib.blake2b(chunk, digest_size=4).digest()
                ids.append(int.from_bytes(digest, "big"))
        return ids

    label = f"APPROXIMATION ({name}, chunks of <= {APPROX_CHUNK} bytes; not real BPE)"
    return Tokenizer(label, encode, False)


TOKENIZERS: dict[str, Callable[[], Tokenizer]] = {
    "toktok": toktok_tokenizer,
    "tiktoken": tiktoken_tokenizer,
    "approx": approximate_tokenizer,
}


def load_tokenizer(choice: str) -> Tokenizer:
    """The chosen tokenizer; ``auto`` takes the first of toktok, tiktoken, approx that loads."""
    if choice != "auto":
        try:
            return TOKENIZERS[choice]()
        except Exception as error:
            raise SystemExit(f"error: tokenizer {choice} is not available here: {error}") from error
    for name in ("toktok", "tiktoken"):
        try:
            return TOKENIZERS[name]()
        except Exception:  # not installed, or needs a download: try the next one
            continue
    return approximate_tokenizer()


def render(request: Request, tokenizer: Tokenizer) -> tuple[list[int], int]:
    """The token ids of a request and how many of them precede its bindings (or tail)."""
    tokens: list[int] = []
    stable_tokens = 0
    for index, (role, content) in enumerate(request.messages):
        if index == request.stable:
            stable_tokens = len(tokens)
        tokens += [START, *tokenizer.encode(role), MESSAGE, *tokenizer.encode(content), END]
    return tokens, stable_tokens


# The simulated provider ----------------------------------------------------------------


def block_hashes(tokens: Sequence[int]) -> list[bytes]:
    """Chained hashes of each whole block: hash(previous hash, block tokens)."""
    hashes = []
    previous = b""
    for start in range(0, len(tokens) - BLOCK + 1, BLOCK):
        data = array("I", tokens[start : start + BLOCK]).tobytes()
        previous = hashlib.blake2b(previous + data, digest_size=16).digest()
        hashes.append(previous)
    return hashes


def cacheable(tokens: int) -> int:
    """Tokens a prefix of ``tokens`` can be served for: whole blocks, and none below 1024."""
    whole = tokens // BLOCK * BLOCK
    return whole if whole >= MINIMUM else 0


class Provider:
    """M machines, each holding the block hashes of the prefixes it has served."""

    def __init__(self, machines: int) -> None:
        self.machines = [set[bytes]() for _ in range(machines)]

    def route(self, key: str, tokens: Sequence[int]) -> int:
        """The machine for a request: a hash of the key and the first 256 tokens."""
        head = array("I", tokens[:ROUTE_TOKENS]).tobytes()
        digest = hashlib.sha256(key.encode("utf-8") + b"\0" + head).digest()
        return int.from_bytes(digest[:8], "big") % len(self.machines)

    def serve(self, key: str, tokens: Sequence[int]) -> tuple[int, int]:
        """Serve one request: its machine and its cached tokens; the machine keeps its prefix."""
        machine = self.route(key, tokens)
        cache = self.machines[machine]
        hashes = block_hashes(tokens)
        hits = 0
        for digest in hashes:
            if digest not in cache:
                break
            hits += 1
        if len(tokens) >= MINIMUM:
            cache.update(hashes)
        return machine, cacheable(hits * BLOCK)


# The arms ------------------------------------------------------------------------------


@dataclass
class Arm:
    """One way of sending the sessions, and what the provider cached of it."""

    name: str
    description: str
    input_tokens: int = 0
    cached_tokens: int = 0
    keys: set[str] = field(default_factory=set)
    machines: set[int] = field(default_factory=set)
    per_request: list[int] = field(default_factory=list)

    def record(self, key: str, machine: int, tokens: int, cached: int) -> None:
        """Count one served request."""
        self.input_tokens += tokens
        self.cached_tokens += cached
        self.keys.add(key)
        self.machines.add(machine)
        self.per_request.append(cached)

    @property
    def fraction(self) -> float:
        """Cached share of all input tokens."""
        return self.cached_tokens / self.input_tokens if self.input_tokens else 0.0


@dataclass
class Bound:
    """prefixlib's upper bound: the stable prefix of every request after its project's first."""

    tokens: int = 0
    cached: int = 0

    @property
    def fraction(self) -> float:
        """prefixlib's cached tokens within the bound, as a share of the bound."""
        return self.cached / self.tokens if self.tokens else 0.0


@dataclass
class ProjectStats:
    """What prefixlib made of one project's sessions: its keys and stable prefixes."""

    keys: set[str] = field(default_factory=set)
    first_layers: dict[str, str] | None = None
    first_session: int = -1
    difference: str = ""


def first_difference(a: dict[str, str], b: dict[str, str]) -> str:
    """Where two sets of canonical layers first differ: layer, line and both lines."""
    for name in prefixlib.LAYERS:
        if a[name] == b[name]:
            continue
        left, right = a[name].split("\n"), b[name].split("\n")
        for number, (x, y) in enumerate(zip(left, right, strict=False), start=1):
            if x != y:
                column = next(
                    (i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), len(x)
                )
                start = max(0, column - 25)
                return (
                    f"{name} line {number} col {column + 1}: "
                    f"{x[start : column + 35]!r} vs {y[start : column + 35]!r}"
                )
        return f"{name}: one is a prefix of the other ({len(left)} vs {len(right)} lines)"
    return ""


def simulate(
    sessions: Sequence[Session],
    sources: Sources,
    tokenizer: Tokenizer,
    *,
    machines: int,
    tools_first: bool,
) -> tuple[list[Arm], Bound, dict[str, ProjectStats], list[dict[str, Any]]]:
    """Send every session's first request under each arm; collect what was cached."""
    arms = [
        Arm("thread key", "raw requests, prompt_cache_key = thread id (Codex today)"),
        Arm("fixed key", "raw requests, one fixed prompt_cache_key"),
        Arm("prefixlib", "canonical layers + bindings block, prompt_cache_key = cp.key"),
    ]
    providers = [Provider(machines) for _ in arms]
    bound = Bound()
    stats: dict[str, ProjectStats] = {}
    details = []
    for session in sessions:
        prompt = client_prompt(session, sources)
        raw_tokens, _ = render(raw_request(prompt, "", tools_first=tools_first), tokenizer)
        pl_request, cp = prefixlib_request(prompt, tools_first=tools_first)
        pl_tokens, stable = render(pl_request, tokenizer)
        sent = [
            (session.session_id, raw_tokens),
            ("prefixlib-benchmark-fixed-key", raw_tokens),
            (pl_request.key, pl_tokens),
        ]
        cached = []
        for arm, provider, (key, tokens) in zip(arms, providers, sent, strict=True):
            machine, hit = provider.serve(key, tokens)
            arm.record(key, machine, len(tokens), hit)
            cached.append(hit)
        project = stats.setdefault(session.project.name, ProjectStats())
        project.keys.add(cp.key)
        layers: dict[str, str] = dict(cp.layers.items())
        if project.first_layers is None:
            project.first_layers, project.first_session = layers, session.index
        else:
            bound.tokens += cacheable(stable)
            bound.cached += min(cached[2], cacheable(stable))
            if not project.difference:
                project.difference = first_difference(project.first_layers, layers)
        details.append(
            {
                "session": session.index,
                "project": session.project.name,
                "os": session.os,
                "cwd": session.cwd,
                "raw_tokens": len(raw_tokens),
                "prefixlib_tokens": len(pl_tokens),
                "prefixlib_stable_tokens": stable,
                "bindings": len(cp.bindings),
                "cached": dict(zip([arm.name for arm in arms], cached, strict=True)),
            }
        )
    return arms, bound, stats, details


# Output --------------------------------------------------------------------------------


def print_report(
    arms: Sequence[Arm], bound: Bound, stats: dict[str, ProjectStats], machines: int
) -> None:
    """The results table, prefixlib's bound and what prefixlib made of each project."""
    rows = [
        (
            arm.name,
            f"{len(arm.per_request)}",
            f"{arm.input_tokens:,}",
            f"{arm.cached_tokens:,}",
            f"{arm.fraction:.1%}",
            f"{sum(1 for c in arm.per_request if c)}",
            f"{len(arm.keys)}",
            f"{len(arm.machines)}/{machines}",
            arm.description,
        )
        for arm in arms
    ]
    headers = (
        "arm",
        "requests",
        "input tokens",
        "cached tokens",
        "cached",
        "hits",
        "keys",
        "machines",
        "what",
    )
    print(common.format_table(headers, rows))
    print()
    met = "yes" if bound.fraction >= TARGET_OF_BOUND else "NO"
    print(
        "prefixlib upper bound (whole 128-token blocks before the bindings block, every "
        f"request after its project's first): {bound.tokens:,} tokens; cached within it: "
        f"{bound.cached:,} = {bound.fraction:.1%} (target >= {TARGET_OF_BOUND:.0%}: {met})"
    )
    for name, project in stats.items():
        line = f"  {name}: {len(project.keys)} distinct cp.key"
        if project.difference:
            line += f"; first difference from session {project.first_session}: {project.difference}"
        print(line)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = common.argument_parser(__doc__, quick="fewer sessions (CI)")
    parser.add_argument("--sessions", type=int, default=50, help="sessions (default 50)")
    parser.add_argument(
        "--projects", type=int, default=3, help=f"projects, 1..{len(PROJECTS)} (default 3)"
    )
    parser.add_argument("--machines", type=int, default=16, help="cache machines (default 16)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sessions (default 1)")
    parser.add_argument(
        "--oses",
        type=lambda text: text.split(","),
        default=list(OSES),
        help="comma-separated operating systems of the sessions (default linux,macos,windows)",
    )
    parser.add_argument(
        "--tokenizer",
        choices=["auto", *TOKENIZERS],
        default="auto",
        help="auto: toktok-rs, else tiktoken with a locally cached file, else the approximation",
    )
    parser.add_argument(
        "--tools-after-instructions",
        action="store_true",
        help="render the tools after the instructions (harmony's order) instead of first",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions = min(args.sessions, 15)
    if not args.oses or any(name not in OSES for name in args.oses):
        parser.error(f"--oses takes a comma-separated subset of {','.join(OSES)}")
    if not 1 <= args.projects <= len(PROJECTS):
        parser.error(f"--projects must be between 1 and {len(PROJECTS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Build the sessions, run the three arms, print the table, optionally write JSON."""
    args = parse_args(argv)
    started = time.perf_counter()
    sources = find_sources()
    projects = PROJECTS[: args.projects] if sources.from_corpus else (EXAMPLE_PROJECT,)
    tokenizer = load_tokenizer(args.tokenizer)
    tools_first = not args.tools_after_instructions
    sessions = make_sessions(args.sessions, projects, args.seed, args.oses)
    print(common.machine_line())
    print(f"tokenizer: {tokenizer.name}")
    print(
        f"{len(sessions)} sessions of {len(projects)} projects "
        f"({', '.join(f'{p.name} [{p.shell}]' for p in projects)}; shell fixed per project); "
        f"OS {'/'.join(args.oses)}; {args.machines} machines; seed {args.seed}; "
        f"tools rendered {'first' if tools_first else 'after the instructions'}; "
        f"texts from {sources.root}{'' if sources.from_corpus else ' (corpus absent)'}"
    )
    arms, bound, stats, details = simulate(
        sessions, sources, tokenizer, machines=args.machines, tools_first=tools_first
    )
    print()
    print_report(arms, bound, stats, args.machines)
    serve = cache_hit_serve.run(  # prefixlib serve's arms (benchmarks/cache_hit_serve.py)
        sys.modules[__name__], tokenizer, sessions=len(sessions), machines=args.machines,
        seed=args.seed,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    print(f"total time: {elapsed:.1f} s")
    if args.json:
        common.write_json(
            args.json,
            {
                "benchmark": "cache_hit",
                "machine": common.machine_info(),
                "config": {
                    "sessions": len(sessions),
                    "projects": [p.name for p in projects],
                    "machines": args.machines,
                    "oses": args.oses,
                    "seed": args.seed,
                    "tokenizer": tokenizer.name,
                    "tokenizer_exact": tokenizer.exact,
                    "tools_first": tools_first,
                    "sources": str(sources.root),
                    "block": BLOCK,
                    "minimum": MINIMUM,
                    "route_tokens": ROUTE_TOKENS,
                },
                "arms": [
                    {
                        "name": arm.name,
                        "description": arm.description,
                        "requests": len(arm.per_request),
                        "input_tokens": arm.input_tokens,
                        "cached_tokens": arm.cached_tokens,
                        "cached_fraction": arm.fraction,
                        "distinct_keys": len(arm.keys),
                        "machines_used": len(arm.machines),
                    }
                    for arm in arms
                ],
                "prefixlib_bound": {
                    "tokens": bound.tokens,
                    "cached": bound.cached,
                    "fraction": bound.fraction,
                    "target": TARGET_OF_BOUND,
                    "target_met": bound.fraction >= TARGET_OF_BOUND,
                },
                "projects": {
                    name: {"distinct_keys": len(p.keys), "first_difference": p.difference}
                    for name, p in stats.items()
                },
                "sessions": details,
                "serve": serve,
                "seconds": elapsed,
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
