"""The cacheability report: token counts, minimums per provider, volatile values left in
the prefix, and ``prefixlib report`` on prompts and request bodies."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import prefixlib
from prefixlib import adapters
from prefixlib.cli import main
from tests.conftest import CORPUS
from tests.test_adapters import CAPTURES, capture

cacheability_module = importlib.import_module("prefixlib.cacheability")
minimums_for = cacheability_module.minimums_for

SAMPLES = [
    "hello world",
    "Ünïcödé — “quotes”, emoji 🧠🚀 and CJK 漢字かなカナ한국어",
    "    indented code\n\tdef f(x):\n\t\treturn x ** 2  # trailing  \n",
    "<environment_context>\n  <cwd>/home/alice/work/ledger</cwd>\n</environment_context>",
    '{"type":"function","name":"exec_command","parameters":{"type":"object"}}',
    "a" * 5000 + " " + "ab" * 3000,
    "\r\n\r\n  \u200b\u00a0 numbers 1234567890 3.14159e-10 0xdeadbeef",
]


def sample_texts() -> list[str]:
    """Sample texts: the strings above, the corpus files, and the captures' texts."""
    texts = list(SAMPLES)
    if CORPUS.is_dir():
        texts += [
            p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.md")) if p.is_file()
        ]
    for name in ("codex-a", "claude-a"):
        path = CAPTURES / f"{name}.json"
        if path.is_file():
            body = json.loads(path.read_text(encoding="utf-8"))
            texts += [json.dumps(body, ensure_ascii=False)]
    return texts


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_exact_counts_equal_a_second_implementation(encoding: str) -> None:
    """toktok-rs (the tokens extra) against GitHub's bpe crate (bpe-openai), ids and counts."""
    toktok = pytest.importorskip("toktok", reason="the tokens extra installs toktok-rs")
    bpe_openai = pytest.importorskip("bpe_openai", reason="the test extra installs bpe-openai")
    other = bpe_openai.get_encoding(encoding)
    counter = cacheability_module.exact_counter(encoding)
    assert counter is not None
    texts = sample_texts()
    assert len(texts) >= len(SAMPLES)
    for text in texts:
        expected = other.encode(text)
        assert counter(text) == len(expected), text[:60]
        assert toktok._encoding(encoding).encode_ordinary(text) == expected, text[:60]


def test_without_the_extra_counts_are_estimated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "toktok", None)  # the tokens extra not installed
    assert cacheability_module.exact_counter() is None
    count = cacheability_module.count_tokens(["x" * 4001])
    assert (count.tokens, count.exact) == (890, False)
    assert "estimated as UTF-8 bytes / 4.5" in count.method
    assert "prefixlib[tokens]" in count.method
    report = prefixlib.cacheability(project="word " * 400, model="gpt-5")
    assert report.tokens.exact is False
    assert report.warnings == [
        "stable prefix is about 445 tokens: below OpenAI's 1024-token minimum, "
        "nothing will be cached"
    ]


def test_the_plain_warning() -> None:
    report = prefixlib.cacheability(base="x", model="gpt-4.1", counter=lambda text: 900)
    assert report.warnings == [
        "stable prefix is 900 tokens: below OpenAI's 1024-token minimum, nothing will be cached"
    ]
    (check,) = report.checks
    assert (check.cacheable, check.cached_tokens) == (False, 0)
    report = prefixlib.cacheability(base="x", model="gpt-4.1", counter=lambda text: 1436)
    assert (report.checks[0].cached_tokens, report.warnings) == (1408, [])  # 128-token steps
    opus = prefixlib.cacheability(base="x", model="claude-opus-4-5", counter=lambda text: 2000)
    assert opus.warnings == [
        "stable prefix is 2000 tokens: below Anthropic's 4096-token minimum for Claude Opus "
        "4.5 and later, nothing will be cached"
    ]


MODELS = [
    ("gpt-5-codex", "openai", 1024),
    ("gpt-4o-mini", "openai", 1024),
    ("o3", "openai", 1024),
    ("claude-opus-4-8", "anthropic", 4096),
    ("claude-opus-4-5-20251101", "anthropic", 4096),
    ("claude-opus-4-1-20250805", "anthropic", 1024),
    ("claude-opus-4-20250514", "anthropic", 1024),
    ("claude-sonnet-4-6", "anthropic", 1024),
    ("claude-3-7-sonnet-20250219", "anthropic", 1024),
    ("claude-haiku-4-5", "anthropic", 4096),
    ("claude-3-5-haiku-20241022", "anthropic", 2048),
    ("claude-3-haiku-20240307", "anthropic", 2048),
    ("claude-next", "anthropic", 4096),  # not in the table: the largest documented minimum
    ("gemini-2.5-flash", "gemini", 2048),
    ("gemini-3.5-flash", "gemini", 4096),
]


@pytest.mark.parametrize(("model", "provider", "tokens"), MODELS)
def test_minimums_by_model(model: str, provider: str, tokens: int) -> None:
    (row,) = minimums_for(model)
    assert (row.provider, row.tokens) == (provider, tokens)
    assert row.source.startswith("https://")
    assert row.checked == "2026-11-30"


def test_without_a_model_every_distinct_minimum() -> None:
    rows = {(row.provider, row.tokens) for row in minimums_for(None)}
    assert rows == {
        ("openai", 1024),
        ("anthropic", 1024),
        ("anthropic", 2048),
        ("anthropic", 4096),
        ("gemini", 2048),
        ("gemini", 4096),
    }
    assert minimums_for("llama-3") == minimums_for(None)


UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
MONTH = {"m": {"default": "The current month is November 2026"}}
STAMP = "2026-11-24T10:00"
VOLATILE = [
    # tool schemas are never hoisted (descriptions are, SPEC.md 5.10)
    ({"tools": [{"name": "t", "parameters": {"properties": MONTH}}]},
     ("month", "November 2026", "tools", 1, 79)),
    ({"tools": [{"name": "t", "parameters": {"properties": {"s": {"default": STAMP}}}}]},
     ("timestamp", "2026-11-24T10:00", "tools", 1, 58)),
    ({"tools": [{"name": "t", "description": "files in /var/folders/x/T"}]},
     ("temp dir", "/var/folders/x", "tools", 1, 27)),
    ({"tools": [{"name": "t", "parameters": {"examples": ["The current date is 2026-11-24."]}}]},
     ("date", "2026-11-24", "tools", 1, 61)),
    ({"developer": "Run 9f86d081884c7d659a2feaa0c55ad015 first.\n"},
     ("id", "9f86d081884c7d659a2feaa0c55ad015", "developer", 1, 5)),
    # instructions, not session state (README "Volatile values"), and hoisted values
    ({"base": "Do not use APIs deprecated before 2024-01-01.\n"}, None),
    ({"base": f"The staging tenant is {UUID}. Deploy in Europe/Berlin hours.\n"}, None),
    ({"base": "Knowledge cutoff: January 2026. Limit 9007199254740991.\n"}, None),
    ({"base": "Today's date is 2026-11-24.\n"}, None),
    ({"project": "ok\nThe current month is November 2026.\n"}, None),
]  # fmt: skip


DESCRIBED = [{"name": "web", "description": "Search the web. The current month is November 2026."}]
DATED = [{"name": "t", "description": "Today is 2026-11-24."}]


@pytest.mark.parametrize(
    ("tools", "policy", "expected"),
    [
        (DESCRIBED, prefixlib.Policy(), None),  # hoisted (SPEC.md 5.10): nothing left
        (DATED, prefixlib.Policy(), None),
        (DESCRIBED, prefixlib.Policy(timestamps="keep"), ("month", "November 2026", 1, 55)),
        (DATED, prefixlib.Policy(timestamps="keep"), ("date", "2026-11-24", 1, 27)),
    ],
)
def test_dates_in_tool_descriptions_are_left_only_where_kept(
    tools: list[dict[str, str]], policy: prefixlib.Policy, expected: Any
) -> None:
    """Since SPEC.md 5.10 a date in a tool description is hoisted: the report finds it only
    where the policy keeps timestamps."""
    found = prefixlib.cacheability(tools=tools, policy=policy).volatile
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.kind, found.value, found.line, found.column, found.layer) == (
            *expected,
            "tools",
        )


@pytest.mark.parametrize(("layers", "expected"), VOLATILE)
def test_first_volatile_value(layers: dict[str, Any], expected: Any) -> None:
    found = prefixlib.cacheability(**layers).volatile
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.kind, found.value, found.layer, found.line, found.column) == expected


def test_prepared_tokens_and_report_on_the_captures() -> None:
    counter = cacheability_module.exact_counter()
    if counter is None:
        pytest.skip("the tokens extra (toktok-rs) is not installed")
    p = adapters.prepare(capture("codex-a"))
    assert p.stable_prefix_tokens == sum(counter(text) for text in p.stable_texts)
    report = p.cacheability()
    assert (report.model, report.tokens.tokens, report.tokens.exact) == (
        "gpt-5-codex",
        p.stable_prefix_tokens,
        True,
    )
    assert report.volatile is None
    assert report.warnings == []
    claude = adapters.prepare(capture("claude-a")).cacheability()
    assert claude.checks[0].minimum.tokens == 4096
    assert claude.volatile is None  # the month in WebSearch's description is hoisted


# --- prefixlib report ------------------------------------------------------------------


def test_report_a_prompt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt = tmp_path / "AGENTS.md"
    prompt.write_text("Be brief.\n", encoding="utf-8")
    assert main(["report", "--model", "gpt-5", str(prompt)]) == 1
    out, err = capsys.readouterr()
    assert "stable prefix  10 bytes" in out
    assert f"warning: {prompt}: stable prefix is" in err
    assert "below OpenAI's 1024-token minimum, nothing will be cached" in err
    big = tmp_path / "big.md"
    big.write_text("Follow the conventions of this repository carefully.\n" * 300, encoding="utf-8")
    assert main(["report", "--model", "gpt-5", "--json", str(big)]) == 0
    (data,) = json.loads(capsys.readouterr().out)
    assert data["path"] == str(big)
    assert data["providers"][0]["cacheable"] is True
    assert data["key"] == prefixlib.cache_key(project=big.read_bytes())


def test_report_a_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    since = {"since": {"type": "string", "default": "2026-11-24T10:00"}}
    body = {
        "model": "claude-sonnet-4-6",
        "system": "Be careful.\n" * 400,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "log", "input_schema": {"type": "object", "properties": since}}],
        "max_tokens": 5,
    }
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    assert main(["report", str(path)]) == 1  # a volatile value is left
    out, err = capsys.readouterr()
    assert "model          claude-sonnet-4-6" in out
    assert "volatile       tools:1:53: timestamp '2026-11-24T10:00'" in out
    assert "volatile value left in the stable prefix" in err
    assert main(["report", "--json", str(path)]) == 1
    (data,) = json.loads(capsys.readouterr().out)
    assert data["key"] == adapters.prepare(body).key


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"input": \n', "request.json:2:1: invalid JSON: "),
        ('{"tools": []}', "request.json: not a request body"),
        (b"\xff\xfe", "request.json:1:1: invalid UTF-8 byte 0xff"),
    ],
)
def test_report_bad_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    path = tmp_path / "request.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err


def test_report_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "no/such/file.md"]) == 2
    assert "no/such/file.md" in capsys.readouterr().err


def test_report_goes_on_after_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As every verb over many files: a bad file is one error line, and the rest are reported."""
    good = tmp_path / "AGENTS.md"
    good.write_text("Run the tests before you commit.\n", encoding="utf-8")
    assert main(["report", str(tmp_path / "missing.md"), str(good)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {tmp_path / 'missing.md'}: no such file\n")
    assert str(good) in captured.out
