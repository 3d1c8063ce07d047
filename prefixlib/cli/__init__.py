"""The ``prefixlib`` command: the only code that reads files, prints, or exits.

One module per verb; each has ``register(commands)``, which adds its parser and
sets ``run``.  Exit codes: 0 success, 1 findings or changes, 2 usage or input
error, 123 internal error (a bug).  Data goes to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from prefixlib import __version__
from prefixlib.cli import hash as hash_
from prefixlib.cli import report
from prefixlib.cli._common import EXIT_ERROR, EXIT_INTERNAL, EXIT_OK, Failure
from prefixlib.errors import PrefixlibError

__all__ = ["main"]

#: The verbs, in the order ``--help`` lists them.
VERBS = (hash_, report)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prefixlib", description="Canonical, cacheable LLM startup prefixes."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS:
        verb.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except Failure as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except PrefixlibError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug: say so in one line
        print(f"error: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_INTERNAL
    return status
