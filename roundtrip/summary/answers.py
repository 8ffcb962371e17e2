"""One period's answers from the register, as the summary counts them: each action's own
answer (its lead's), the partners' answers beside it (issue 22), and each department's return.

An answer on a shared action from one of its partners (`pairs`: (action, partner department))
is never the action's: its status is counted once, the lead's.
"""

from __future__ import annotations

from collections.abc import Mapping

from roundtrip.language import format_percent
from roundtrip.programme.model import Action
from roundtrip.register.reads import Answer


def partner_lines(
    action: Action,
    answers: Mapping[tuple[str, str], Answer],
    names: Mapping[str, str],
    labels: Mapping[str, str],
    language: str,
) -> str:
    """Each partner's answer on `action`, a line each: "Sivistystoimi: On track, 40 % – comment"
    (`labels`: status key -> label, "" for not answered)."""
    lines = []
    for dept in dict.fromkeys(d for d in action.partners if d != action.department_id):
        key, progress, comment = answers.get((action.id, dept)) or (None, None, None)
        text = f"{names.get(dept, dept)}: {labels.get(key or '') or labels['']}"
        if progress is not None:
            text += ", " + format_percent(progress / 100, language)
        if comment and comment.strip():
            text += " – " + comment.strip()
        lines.append(text)
    return "\n".join(lines)
