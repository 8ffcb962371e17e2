"""Find English left in what the tool wrote for a Finnish or Swedish programme.

The English catalogue is the reference: every message whose translation differs from its
English words gives fragments (the text between placeholders) that must not appear in a
Finnish or Swedish output. Outputs are read as a person reads them: every text node and
every attribute value (input messages, error alerts, sheet names) of every XML part of every
workbook, and the console lines.
"""

from __future__ import annotations

import re
import string
import zipfile
from pathlib import Path

from babel.messages.pofile import read_po

from roundtrip.language.catalogue import LOCALE_DIR

# Short fragments are words both languages share (OK, Excel, ID): only longer ones are looked
# for, and single words as whole words.
MIN_PHRASE = 12
MIN_WORD = 6


def _catalogue(language: str):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "roundtrip.po", "rb") as fh:
        return read_po(fh, locale=language)


def _literals(text: str) -> list[str]:
    try:
        parts = [lit for lit, _f, _s, _c in string.Formatter().parse(text)]
    except ValueError:
        parts = [text]
    return [p.strip(" .,:;()-–\n") for p in parts if p and p.strip()]


def english_fragments(language: str, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """fragment -> the message it comes from, for messages translated differently; the
    messages of the contexts in `skip` left out."""
    target = _catalogue(language)
    out: dict[str, str] = {}
    skipped = {m.id for m in target if m.context in skip and isinstance(m.id, str)}
    for m in target:
        if not m.id or m.context in skip or m.id in skipped:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for english in ids:
            if english in strings:
                continue
            for lit in _literals(english):
                words = re.findall(r"[A-Za-z]+", lit)
                phrase = len(lit) >= MIN_PHRASE and len(words) >= 2
                word = len(words) == 1 and len(lit) >= MIN_WORD and lit == words[0]
                if (phrase or word) and not any(lit in s for s in strings):
                    out[lit] = english
    return out


_TEXT = re.compile(rb">([^<]+)<")
_SHARED = re.compile(rb't="s"[^>]*>\s*<v>(\d+)</v>')
_SI = re.compile(rb"<si>(.*?)</si>", re.S)
_ATTR = re.compile(rb'(?:prompt|promptTitle|error|errorTitle|name|displayName)="([^"]*)"')


def _hidden_sheet_parts(z: zipfile.ZipFile) -> set[str]:
    """The parts of the hidden sheets: the return's identity and lists, read by the tool only
    (their field names are the contract's keys, not words for a person)."""
    book = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    hidden = set()
    for sheet in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        rid = re.search(r'r:id="([^"]+)"', sheet) or re.search(r'\bid="([^"]+)"', sheet)
        shown = 'state="hidden"' not in sheet and 'state="veryHidden"' not in sheet
        if not shown and rid and rid.group(1) in targets:
            hidden.add("xl/" + targets[rid.group(1)].lstrip("/").removeprefix("xl/"))
    return hidden


def workbook_texts(path: Path) -> list[str]:
    """Every text a person can see in a workbook (cells, comments, sheet names, messages).

    Hidden sheets are left out, and the shared strings only they use."""
    import html

    def texts(data: bytes) -> list[str]:
        found = [m.group(1) for m in _TEXT.finditer(data)] + [
            m.group(1) for m in _ATTR.finditer(data)
        ]
        return [html.unescape(t.decode("utf-8", "replace")) for t in found]

    out: list[str] = []
    used: set[int] = set()
    with zipfile.ZipFile(path) as z:
        hidden = _hidden_sheet_parts(z)
        names = z.namelist()
        for name in names:
            if not name.endswith(".xml") or "/theme/" in name or name.startswith("docProps"):
                continue
            if name in hidden or name == "xl/sharedStrings.xml":
                continue
            data = z.read(name)
            if name.startswith("xl/worksheets/"):
                used.update(int(i) for i in _SHARED.findall(data))
                data = _SHARED.sub(b"", data)  # the indices are not text
            out.extend(texts(data))
        if "xl/sharedStrings.xml" in names:
            items = _SI.findall(z.read("xl/sharedStrings.xml"))
            for i in sorted(used):
                if i < len(items):
                    out.append("".join(texts(items[i])))
    return out


def english_in(texts: list[str], fragments: dict[str, str]) -> list[str]:
    """'fragment' (from 'message') found in 'text', for every hit."""
    found = []
    joined = "\n".join(texts)
    for fragment, message in fragments.items():
        if " " in fragment:
            hit = fragment in joined
        else:
            hit = re.search(rf"\b{re.escape(fragment)}\b", joined) is not None
        if hit:
            at = joined.find(fragment)
            context = joined[max(0, at - 40) : at + len(fragment) + 40].replace("\n", " | ")
            found.append(f"{fragment!r} (from {message!r}) in …{context}…")
    return found
