"""``prefixlib check``: report where prompt files are not canonical or hold session state.

One line per finding, ``path:line:col: CODE message`` (as ruff), codes in
:data:`prefixlib.findings.CODES`; ``--fix`` writes the text and ordering rules'
result (never hoisting a value into a file), ``--diff`` shows it, ``--json``
gives the findings as data.  Exit 1 when anything is reported.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prefixlib.cli._common import (
    EXIT_CHANGED,
    EXIT_ERROR,
    EXIT_OK,
    Failure,
    add_layer_argument,
    add_policy_arguments,
    add_root_argument,
    config,
    fail,
    file_error,
    parse_roots,
    print_json,
    read,
    write_atomic,
)
from prefixlib.cli._output import Progress, Style, plural
from prefixlib.cli._settings import Settings, settings
from prefixlib.cli._walk import prompt_files
from prefixlib.errors import PrefixlibError
from prefixlib.findings import CODES, Finding, check_text, decode, ignore_comments, selected
from prefixlib.model import LayerName
from prefixlib.policy import Policy

__all__ = ["register"]


def _reported(findings: Iterable[Finding], text: str, chosen: Settings, path: str) -> list[Finding]:
    """The findings selected, not ignored for the file, and not turned off by a comment."""
    whole, per_line = ignore_comments(text)
    off = chosen.ignored(path)

    def hidden(code: str, prefixes: Iterable[str]) -> bool:
        return any(code.startswith(prefix) for prefix in prefixes)

    return [
        f
        for f in findings
        if selected(f.code, select=chosen.select, ignore=chosen.ignore)
        and not hidden(f.code, off | whole | per_line.get(f.line, frozenset()))
    ]


@dataclass
class _Outcome:
    """What checking one file gave."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    fixed: int = 0
    diff: str = ""
    error: str | None = None


@dataclass(frozen=True)
class _Job:
    mode: str  # "check", "fix" or "diff"
    policy: Policy | None
    roots: Mapping[str, str] | None
    layer: LayerName
    chosen: Settings


def _check_file(path: str, job: _Job, *, given: bool = True) -> _Outcome | None:
    """Check one file; with ``fix`` write its repaired text, with ``diff`` describe it.

    ``None`` for a binary file found in a directory (not named): it is no prompt.
    """
    label = "<stdin>" if path == "-" else path
    try:
        data = read(path, text=given)
        if not given and b"\0" in data:
            return None
        text = decode(data, source=label)
        checked = check_text(text, policy=job.policy, roots=job.roots, layer=job.layer)
    except (Failure, PrefixlibError) as e:
        return _Outcome(label, error=file_error(e, path))
    found = _reported(checked.findings, text, job.chosen, label)
    fixable = [f for f in found if f.fixable]
    if job.mode == "check" or not fixable or checked.fixed == text:
        return _Outcome(label, found)
    if job.mode == "diff":
        lines = difflib.unified_diff(
            text.splitlines(keepends=True),
            checked.fixed.splitlines(keepends=True),
            fromfile=label,
            tofile=label,
        )
        # as diff(1) marks a last line without its line ending
        text_diff = "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )
        return _Outcome(label, [f for f in found if not f.fixable], len(fixable), text_diff)
    if path == "-":
        sys.stdout.write(checked.fixed)
    else:
        try:
            write_atomic(path, checked.fixed.encode("utf-8"), expected=data)
        except Failure as e:  # a full disk, a read-only folder, a file changed meanwhile
            return _Outcome(label, error=str(e))
    again = check_text(checked.fixed, policy=job.policy, roots=job.roots, layer=job.layer)
    return _Outcome(
        label, _reported(again.findings, checked.fixed, job.chosen, label), len(fixable)
    )


def _line(path: str, f: Finding, style: Style) -> str:
    mark = f" {style.paint('[*]', 'cyan')}" if f.fixable else ""
    where = style.paint(f"{path}:{f.line}:{f.column}:", "bold")
    return f"{where} {style.paint(f.code, 'red')}{mark} {f.message}"


def _as_json(path: str, f: Finding) -> dict[str, Any]:
    return {
        "path": path,
        "line": f.line,
        "column": f.column,
        "code": f.code,
        "name": CODES[f.code].name,
        "message": f.message,
        "fixable": f.fixable,
    }


def run(args: argparse.Namespace) -> int:
    """Check every file given and the prompt files under every directory given."""
    if args.fix and args.diff:
        fail("--fix and --diff: choose one")
    if args.json and args.diff:
        fail("--json and --diff: choose one (both print to stdout)")
    if args.json and args.fix and "-" in args.paths:
        fail("--json with --fix -: the fixed text and the JSON would both go to stdout")
    cfg = config(args)
    chosen = settings(cfg, args)
    roots = parse_roots(args.root) if args.root else None
    mode = "fix" if args.fix else "diff" if args.diff else "check"
    job = _Job(mode, cfg.policy, roots, args.layer, chosen)
    files = list(prompt_files(args.paths or ["."], include=chosen.include, exclude=chosen.exclude))
    out, err = Style.for_stream(sys.stdout), Style.for_stream(sys.stderr)
    progress = Progress(len(files), enabled=not args.quiet and not args.json)
    outcomes: list[_Outcome] = []
    for number, (path, given) in enumerate(files, start=1):
        progress.update(number, path)
        checked = _check_file(path, job, given=given)
        if checked is None:
            continue
        outcome = checked
        outcomes.append(outcome)
        progress.clear()
        if outcome.error is not None:
            print(f"{err.paint('error', 'red')}: {outcome.error}", file=sys.stderr)
        elif outcome.diff:
            sys.stdout.write(outcome.diff)
        if outcome.fixed and mode == "fix" and not args.quiet:
            print(f"fixed {outcome.path}", file=sys.stderr)
        if not args.json and mode != "diff":
            for f in outcome.findings:
                print(_line(outcome.path, f, out))
    progress.clear()
    if not files and not args.quiet:
        where = ", ".join(args.paths or ["."])
        print(f"warning: no prompt files found in {where}", file=sys.stderr)
    stale = 0
    if args.lock is not None:
        from prefixlib.cli.lock import check_lock

        stale = check_lock(args.lock, [path for path, _ in files], cfg.policy, err, quiet=True)
    if args.json:
        print_json([_as_json(o.path, f) for o in outcomes for f in o.findings])
    if not args.quiet:
        print(_summary(outcomes, mode, len(outcomes), max(stale, 0)), file=sys.stderr)
    if any(o.error is not None for o in outcomes) or stale < 0:
        return EXIT_ERROR
    changed = any(o.fixed for o in outcomes)
    return EXIT_CHANGED if changed or stale or any(o.findings for o in outcomes) else EXIT_OK


def _summary(outcomes: Sequence[_Outcome], mode: str, total: int, stale: int) -> str:
    """One line: how many findings in how many files, and what ``--fix`` can do or did."""
    left = [f for o in outcomes for f in o.findings]
    files = sum(1 for o in outcomes if o.findings)
    fixed = sum(o.fixed for o in outcomes)
    fixed_files = sum(1 for o in outcomes if o.fixed)
    errors = sum(1 for o in outcomes if o.error is not None)
    parts = []
    if mode == "fix" and fixed:
        parts.append(f"fixed {plural(fixed, 'finding')} in {plural(fixed_files, 'file')}")
    if mode == "diff" and fixed:
        parts.append(f"would fix {plural(fixed, 'finding')} in {plural(fixed_files, 'file')}")
    if left:
        fixable = sum(1 for f in left if f.fixable)
        line = f"{plural(len(left), 'finding')} in {plural(files, 'file')}"
        if mode == "fix" or mode == "diff":
            line += " left (not fixable)" if not fixable else ""
        elif fixable:
            line += f", {fixable} fixable with --fix"
        parts.append(line)
    if errors:
        parts.append(f"{plural(errors, 'file')} could not be checked")
    if stale:
        parts.append(f"{plural(stale, 'key')} changed since the lock file")
    if not parts:
        parts.append(f"all clean: {plural(total, 'file')} checked")
    return "; ".join(parts)


EPILOG = """\
exit status: 0 nothing reported, 1 findings (or files fixed), 2 usage or input error,
123 internal error.  Codes: PL1xx text rules, PL2xx ordering, PL3xx volatile values
(prefixlib explain --codes lists them).  A directory is searched for prompt files
(AGENTS.md, CLAUDE.md, GEMINI.md, *.prompt, files under prompts/, ...)."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the command line."""
    parser = commands.add_parser(
        "check",
        help="report prompt files that are not canonical or hold session state",
        description="Report every place a prompt file is not canonical (BOM, CRLF, trailing "
        "whitespace, blank lines, NFD, invisible characters, an unsorted declared-unordered "
        "list) and every volatile value written into it, as PATH:LINE:COL: CODE message.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="a file, a directory, or - (default: .)"
    )
    parser.add_argument("--fix", action="store_true", help="rewrite what is safe to fix, in place")
    parser.add_argument("--diff", action="store_true", help="print what --fix would change")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="print the findings only")
    parser.add_argument("--select", metavar="CODES", help="report only these codes (PL1,PL301)")
    parser.add_argument("--ignore", metavar="CODES", help="do not report these codes")
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="skip these (repeatable)"
    )
    parser.add_argument(
        "--lock",
        nargs="?",
        const="prefixlib.lock",
        metavar="F",
        help="also fail when a file's key differs from the lock file (default: prefixlib.lock)",
    )
    add_layer_argument(parser)
    add_root_argument(parser)
    add_policy_arguments(parser)
    parser.set_defaults(run=run, parser=parser)
