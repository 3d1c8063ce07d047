"""Learning a policy from sessions: the spans that still differ, and what would hoist them.

:func:`learn` canonicalises two or more captured startup prefixes of one project with a
policy, aligns each text layer line by line, and for each span that differs proposes the
smallest policy addition that hoists it (SPEC.md 7.3):

- a *label* (``hoist_labels``) where a field's label and separator stand before the value
  (``Build: 4711``, ``<deploy_slot>blue</deploy_slot>``);
- a *pattern* (``patterns``) where the same words stand before a value that holds a digit or
  a path (``Ticket ABC-1234 is open``), or where a stable heading line stands before a whole
  block of lines that differs (``Open pull requests:`` and its list).

A span with no such context signal (a word changed in an instruction, a line only one session
has) is never proposed: it is reported as a real difference.  The proposals are applied and
the samples canonicalised again, a few rounds, until they share a key or nothing more is
found.  Pure: no files, no printing; the CLI (``prefixlib learn``) writes the policy file.
"""

from __future__ import annotations

from prefixlib.learn.proposal import Addition, Difference, Proposal
from prefixlib.learn.rounds import learn

__all__ = ["Addition", "Difference", "Proposal", "learn"]
