"""The inputs of the golden vectors (SPEC.md 8).

``python -m tests.vectors.regenerate`` writes v1.json from them.

Each case exercises one rule or one part of the key.  Add cases freely; change or
remove one only in a commit that deliberately changes the spec's output.
"""

from __future__ import annotations

from typing import Any

CASES: list[dict[str, Any]] = [
    {"name": "empty prefix"},
    {"name": "one plain layer", "project": "Be concise.\n"},
    {
        "name": "every layer",
        "base": "You are a coding agent.",
        "developer": "Approvals: never.",
        "project": "# AGENTS.md\n\nRun `make test`.",
        "tools": [{"name": "shell", "parameters": {}}],
    },
    {"name": "bom and crlf", "base": "\ufeffLine one\r\nLine two\r\n"},
    {"name": "lone cr", "base": "old\rmac\rline endings\r"},
    {"name": "nfd to nfc", "base": "Cafe\u0301 and re\u0301sume\u0301"},
    {"name": "no nfkc", "base": "x\u00b2 \ufb01le \u2126 \u212b"},
    {"name": "trailing whitespace", "base": "tabs\t\t\nspaces   \nnbsp\u00a0\n"},
    {"name": "blank line runs", "base": "a\n\n\n\n\nb\n \n\t\n\nc"},
    {"name": "leading and trailing blank lines", "base": "\n \n\t\nbody\n\n\n"},
    {"name": "invisible characters", "base": "zero\u200bwidth\u200c non\u200djoin\u2060er\ufeff"},
    {"name": "zwj before combining mark", "base": "e\u200d\u0301"},
    {
        "name": "fence keeps whitespace",
        "project": "Run:\n\n```sh  \n  make test  \n\n\n\n\tcat x\u200b\n```  \n\n\n\nDone.  ",
    },
    {
        "name": "tilde fence with backticks inside",
        "project": "~~~~\n```\nnot closed  \n~~~~\nafter  ",
    },
    {
        "name": "indented fence in a list",
        "project": "1. Step:\n      ```bash\n      ls  \n      ```\n",
    },
    {"name": "unclosed fence", "project": "```\ncode  \n\n  \n"},
    {"name": "greek varia makes a fence", "project": "\u1fef\u1fef\u1fef\nx  \n"},
    {"name": "invisible in opener", "project": "\u200b```\nx \n```\u200b\ny "},
    {"name": "indentation and markup kept", "project": "  - **Bold** ITEM 42:  \n    - nested\n"},
    {"name": "line separators are content", "project": "a\u2028b\u0085c\n"},
    {"name": "non-bmp text", "project": "emoji \U0001f600 and math \U0001d400\n"},
    {"name": "tools object form", "tools": {"tools": [{"name": "b"}, {"name": "a"}]}},
    {
        "name": "tools canonical json",
        "tools": [
            {
                "name": "t",
                "z": 1.0,
                "a": [1e21, 1e-7, 0.5, -0.0],
                "u": '\u00e9\U0001f600\u001f"',
                "\U0001f600": 1,
                "\ufb33": 2,
                "b": None,
                "c": True,
            }
        ],
    },
    {"name": "empty tools array", "tools": []},
    {"name": "namespace", "project": "x", "namespace": "tenant-42/gpt-5"},
    {"name": "secret", "project": "x", "secret_hex": "00" * 16 + "ff" * 16},
    {"name": "namespace and secret", "project": "x", "namespace": "n", "secret_hex": "a5" * 32},
    # SPEC.md 5: volatile values
    {
        "name": "labelled date",
        "project": "Today's date is 2026-11-24. Do not use APIs deprecated before 2024-01-01.",
    },
    {
        "name": "codex environment context",
        "developer": "The writable roots are /home/alice/work/api.",
        "project": "# AGENTS.md instructions for /home/alice/work/api\n\n<INSTRUCTIONS>\nRun "
        "/home/alice/work/api/bin/test.\n</INSTRUCTIONS>\n<environment_context>\n  <cwd>"
        "/home/alice/work/api</cwd>\n  <shell>zsh</shell>\n"
        "  <current_date>2026-11-24</current_date>\n"
        "  <timezone>Europe/Berlin</timezone>\n</environment_context>",
    },
    {
        "name": "windows root",
        "project": "cwd: C:\\Users\\bob\\api\r\nOpen "
        "C:\\Users\\bob\\api\\src\\main.rs and C:\\Users\\bob\\api/mixed\\x",
    },
    {
        "name": "claude env block",
        "project": "<env>\nWorking directory: /srv/app\nPlatform: linux\n"
        "Today's date: 2026-11-24\n</env>\nSession ID: 5f3a1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b",
    },
    {
        "name": "homes and temp dirs",
        "project": "Edit ~/.codex/config.toml, /Users/bob/x, "
        "/var/folders/ab/cd/T/tmpq/y and /tmp/tmp.X8sd.\n```sh\ncd /home/alice/w\n```",
    },
    {
        "name": "kept shapes",
        "project": "Frozen after 16:00. Tenant 5f3a1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b."
        " See /etc/nginx/nginx.conf. Response time: 10:00.",
    },
    {"name": "placeholder syntax escaped", "project": "Use {{DATE_1}} and {{!X}}; now: 10:42"},
    {"name": "caller root", "project": "Build /work/api/x", "roots": {"PROJECT_ROOT": "/work/api"}},
    {
        "name": "policy",
        "project": "<env>\n<shell>zsh</shell>\nToday's date: 2026-11-24\n</env>",
        "policy": {"hoist_labels": ["shell"], "placeholder_style": "brackets", "tools": "keep"},
        "tools": [{"name": "b"}, {"name": "a"}],
    },
    {
        "name": "writable roots list",
        "developer": "The writable roots are `/Users/bob/api`, `/tmp`, "
        "`/var/folders/ab/cd/T`. Writable roots: C:\\Users\\c\\api and /srv/x",
    },
    {
        "name": "derived forms of a root",
        "base": "Memory: `/home/alice/.claude/projects/-home-alice-work-ledger/memory/`.\n"
        " - Primary working directory: /home/alice/work/ledger\n"
        "Open ?dir=%2Fhome%2Falice%2Fwork%2Fledger. You are `/root`, the primary agent.",
    },
    {
        "name": "session time words",
        "project": "Session started 2026-11-24T10:32:07Z. It is now Tue, 24 Nov 2026 10:32:07"
        " +0000. The freeze ends 2027-01-04T00:00:00Z. Session started 2026-11-24.",
    },
    {
        "name": "git status block",
        "base": "gitStatus: This is the git status at the start of the conversation. Note"
        " that this status is a snapshot in time.\n\nCurrent branch: main\n\nStatus:\n"
        "M a.py\n\nRecent commits:\nf312fd0 Initial commit",
    },
    {
        "name": "month in a tool description",
        "project": "The current year is 2026.",
        "tools": [
            {
                "name": "WebSearch",
                "description": "- The current month is November 2026. Literal {{MONTH_1}}.",
            }
        ],
    },
    {
        "name": "gemini session context",
        "project": "<session_context>\nThis is the Gemini CLI. We are setting up the context for"
        " our chat.\nToday's date is Montag, 30. November 2026 (formatted according to the"
        " user's locale).\nMy operating system is: linux\nThe project's temporary directory is:"
        " /home/alice/.gemini/tmp/5f1c0a\n- **Workspace Directories:**\n  - /home/alice/w\n"
        "- **Directory Structure:**\n\nShowing up to 200 items (files + folders).\n\n"
        "/home/alice/w/\n\u251c\u2500\u2500\u2500a.md\n\u2514\u2500\u2500\u2500b/\n"
        "</session_context>",
    },
]
