"""Block bindings: whole blocks of session state, hoisted as one value (SPEC.md 5.2.4).

Some clients write a snapshot of the session into the prompt as a block of lines: Claude
Code's git status at the start of a conversation, gemini-cli's folder tree.  The block
changes every session, line by line, so it is hoisted whole: the prefix keeps the heading
that introduces it, and its body becomes one binding the model still sees.  A block is
recognised by its heading and by the shape of its body, never by the body's length.
RE2 syntax over UTF-8 bytes.
"""

from __future__ import annotations

from typing import Final

__all__ = ["BLOCKS"]

#: Claude Code's git status snapshot: "gitStatus: This is the git status at the start of the
#: conversation. ...", then "Current branch:", up to eight lines ("Main branch ...:"), "Status:"
#: with its lines, a blank line, and "Recent commits:" with one line per commit, to the first
#: blank line (the captures in ../shared/captures, claude-a.json system[2]).
GIT_STATUS: Final = (
    r"(?m:^)gitStatus:[ \t]*This is the git status at the start of the conversation\.[^\n]*\n"
    r"(?:[ \t]*\n)*",
    # every part bounded by lines of its own shape, so an unfinished snapshot stops being a
    # candidate at its first blank line after "Status:" (linear time, issue 12)
    r"Current branch:[^\n]*\n(?:[^\n]*\n){0,8}?Status:\n(?:[^\n]+\n)*\n\n?Recent commits:"
    r"(?:\n[^\n]+)*",
)
#: A line of a gemini-cli folder tree; box-drawing characters as alternatives, not a class,
#: so the pattern means the same over bytes and over characters.
_TREE_LINE: Final = (
    r"\n(?:" + "\u2502" + r"   |    )*(?:" + "\u251c|\u2514)" + "\u2500" * 3 + r"[^\n]*"
)
_TREE: Final = (
    r"Showing up to \d+ items \(files \+ folders\)\.[^\n]*\n\n[^\n]+" + f"(?:{_TREE_LINE})*"
)
#: gemini-cli's folder tree, one per workspace directory, under "- **Directory Structure:**"
#: (google-gemini/gemini-cli 5411f113, packages/core/src/utils/environmentContext.ts and
#: getFolderStructure.ts): a summary line, a blank line, the directory, the tree lines.
FOLDER_TREE: Final = (
    r"(?m:^)[ \t]*[-*][ \t]+\*\*Directory Structure:\*\*[ \t]*\n(?:[ \t]*\n)*",
    rf"(?:{_TREE})(?:\n(?:{_TREE}))*",
)

#: gemini-cli's workspace directories, one "  - PATH" line each, under "- **Workspace
#: Directories:**" (the same source): a list of paths, hoisted whole as 5.4.5 says.
WORKSPACE_DIRECTORIES: Final = (
    r"(?m:^)[ \t]*[-*][ \t]+\*\*Workspace Directories:\*\*[ \t]*\n",
    r"[ \t]*[-*][ \t]+[^\n]+(?:\n[ \t]+[-*][ \t]+[^\n]+)*",
)

#: gemini-cli's date in the user's locale, whatever the locale ("Montag, 30. November 2026",
#: "2026年11月30日月曜日"): the sentence around it says what it is (the same source).
LOCALE_DATE: Final = (
    r"(?m:^)Today's date is ",
    r"[^\s({\[<](?:[^\n(]*[^\s(])?",  # not a placeholder's opening: that is escaped (5.7)
    r" \(formatted according to the user's locale\)",
)

#: ``(kind, heading, body, trailer)`` of the block bindings, in the order they are tried: the
#: heading and the trailer stay in the prefix, the body is hoisted whole.
BLOCKS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("GIT_STATUS", *GIT_STATUS, ""),
    ("FOLDER_TREE", *FOLDER_TREE, ""),
    ("PATHS", *WORKSPACE_DIRECTORIES, ""),
    ("DATE", *LOCALE_DATE),
)
