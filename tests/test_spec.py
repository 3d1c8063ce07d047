"""SPEC.md states the patterns the code uses, verbatim (SPEC.md Appendix A)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefixlib.rules import blocks, context, descriptions, ids, paths, timestamps

SPEC = (Path(__file__).resolve().parents[1] / "SPEC.md").read_text(encoding="utf-8")
APPENDIX = SPEC[SPEC.index("## Appendix A") :]

LINES = (
    [f"{kind}: {pattern}" for kind, pattern in (*timestamps.LABELLED, *ids.LABELLED)]
    + [
        f"{name}: {getattr(paths, name)}"
        for name in ("SEGMENT", "TEMP", "HOME", "PATH_VALUE", "PATH_LIST")
    ]
    + [f"FIELD_START: {context._FIELD_START}", f"SEPARATOR: {context.SEPARATOR}"]
    + [f"AGENTS_HEADER: {context._AGENTS_HEADER}"]
    + [f"CONTEXT_TAGS: {' | '.join(context.CONTEXT_TAGS)}"]
    + [f"SENTENCE_LABELS: {' | '.join(timestamps.SENTENCE_LABELS)}"]
    + [
        f"{kind} heading: {heading}\n{kind} body: {body}"
        + (f"\n{kind} trailer: {end}" if end else "")
        for kind, heading, body, end in blocks.BLOCKS
    ]
    + [f"JSON_FIELD_START: {descriptions.JSON_FIELD_START}"]
    + [f"JSON_BOUNDARY: {descriptions.JSON_BOUNDARY}"]
    + [
        " | ".join(labels)
        for labels in (
            timestamps.LABELS,
            timestamps.FIELD_LABELS,
            timestamps.TIMEZONE_LABELS,
            timestamps.TIMEZONE_FIELD_LABELS,
            ids.LABELS,
            ids.FIELD_LABELS,
            paths.ROOT_LABELS,
            paths.ROOT_FIELD_LABELS,
            paths.TEMP_LABELS,
            paths.HOME_FIELD_LABELS,
        )
    ]
)


@pytest.mark.parametrize("line", LINES)
def test_pattern_is_in_the_spec(line: str) -> None:
    assert line in APPENDIX
