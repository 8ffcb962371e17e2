"""A Word .docx as lines: its paragraphs and the rows of its tables, in document order.

Only the document part and its styles are read (python-docx's XML layer: its parser and its
``w:tr``/``w:tc``/``w:r`` element classes), never the images, so a 50 MB document of photos
and one table reads in the memory of its text.

* A paragraph with text is one single-cell line numbered by paragraph (the paragraphs that
  hold text, counted from the start of the document; paragraphs in tables do not count), of
  kind "heading" (a Heading/Title style, its Finnish "Otsikko" or Swedish "Rubrik" names, or
  any style or paragraph with an outline level) or "text".
* Each row of a table (numbered from 1 in document order; tables inside tables are not
  counted) is a line with ``table`` and ``number`` its row. A cell merged across columns
  gives its text in its first column and "" in the others, so the columns stay under their
  header; a cell continuing a vertical merge gives "" and its columns are ``continued``.
  Rows without text are left out, and so are rows deleted with tracked changes.
* A cell's text is its paragraphs with text joined by "\\n"; a table inside a cell adds the
  text of its cells, one to a line. Tracked insertions, hyperlinks and content controls are
  text; tracked deletions, text boxes and Word's automatic list numbers are not.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docx.oxml.parser import parse_xml

from roundtrip.language import _
from roundtrip.programme.tables.lines import RawLine, clean_text, damaged

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
P, TBL, TR, TC, R = (f"{{{W}}}{t}" for t in ("p", "tbl", "tr", "tc", "r"))
VAL = f"{{{W}}}val"
# What may wrap a paragraph, table, row or cell (content controls, custom XML, moves)
WRAPPERS = {f"{{{W}}}{t}" for t in ("sdt", "sdtContent", "customXml", "ins", "moveTo")}
# What may wrap a run inside a paragraph (w:del and w:moveFrom are deleted text)
INLINE = WRAPPERS | {f"{{{W}}}{t}" for t in ("hyperlink", "smartTag", "fldSimple", "dir", "bdo")}
HEADING_STYLE = re.compile(r"^\s*(heading|title|otsikko|rubrik)", re.I)
MAX_SPAN = 64  # Word's tables have at most 63 columns: a larger span is a damaged file

Element = Any  # python-docx's element classes (BaseOxmlElement and its CT_ subclasses)


def read_docx(path: Path) -> list[RawLine]:
    """The lines of the Word document at `path` (see the module's docstring)."""
    with zipfile.ZipFile(path) as zf:
        main = _main_part(zf)
        document = _part(path, zf, main)
        if document is None:
            raise damaged(path, _("no {part} inside").format(part=main))
        styles_name = _related(zf, main, "/styles")
        styles = _part(path, zf, styles_name) if styles_name else None
    body = document.find(f"{{{W}}}body")
    if body is None:
        raise damaged(path, _("no document body in {part}").format(part=main))
    return list(_Reader(_heading_styles(styles)).body(body))


# --------------------------------------------------------------------------- the package


def _part(path: Path, zf: zipfile.ZipFile, name: str) -> Element | None:
    """The parsed XML part `name`, None when the package has no such part."""
    try:
        data = zf.read(name)
    except KeyError:
        return None
    try:
        return parse_xml(data)
    except SyntaxError as exc:  # lxml's XMLSyntaxError
        raise damaged(path, _("broken XML in {part}").format(part=name)) from exc


def _rels(zf: zipfile.ZipFile, source: str) -> list[tuple[str, str]]:
    """(type, package path of the target) of each internal relationship of part `source`
    ("" for the package itself)."""
    folder, name = posixpath.split(source)
    try:
        root = parse_xml(zf.read(posixpath.join(folder, "_rels", name + ".rels")))
    except (KeyError, SyntaxError):
        return []
    out = []
    for rel in root.iter(f"{{{RELS}}}Relationship"):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        full = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out.append((rel.get("Type") or "", posixpath.normpath(full)))
    return out


def _related(zf: zipfile.ZipFile, source: str, kind: str) -> str:
    return next((t for rel_type, t in _rels(zf, source) if rel_type.endswith(kind)), "")


def _main_part(zf: zipfile.ZipFile) -> str:
    return _related(zf, "", "/officeDocument") or "word/document.xml"


def _heading_styles(styles: Element | None) -> tuple[set[str], str]:
    """(ids of the paragraph styles that make a heading, id of the default paragraph style)."""
    if styles is None:
        return set(), ""
    names: dict[str, str] = {}
    based_on: dict[str, str] = {}
    outline: dict[str, int] = {}
    default = ""
    for style in styles.iterchildren(f"{{{W}}}style"):
        if style.get(f"{{{W}}}type") != "paragraph":
            continue
        sid = style.get(f"{{{W}}}styleId") or ""
        if style.get(f"{{{W}}}default") in ("1", "true", "on"):
            default = sid
        name = style.find(f"{{{W}}}name")
        names[sid] = name.get(VAL, "") if name is not None else ""
        base = style.find(f"{{{W}}}basedOn")
        if base is not None:
            based_on[sid] = base.get(VAL, "")
        level = _outline_level(style.find(f"{{{W}}}pPr"))
        if level is not None:
            outline[sid] = level

    def level_of(sid: str) -> int | None:
        seen = set()
        while sid and sid not in seen:  # a style's own level, else the one it is based on
            if sid in outline:
                return outline[sid]
            seen.add(sid)
            sid = based_on.get(sid, "")
        return None

    headings = set()
    for sid, name in names.items():
        level = level_of(sid)
        if (
            HEADING_STYLE.match(name)
            or HEADING_STYLE.match(sid)
            or (level is not None and level < 9)
        ):
            headings.add(sid)
    return headings, default


def _outline_level(ppr: Element | None) -> int | None:
    """The w:outlineLvl of a paragraph's or style's properties (9 is body text)."""
    level = ppr.find(f"{{{W}}}outlineLvl") if ppr is not None else None
    if level is None:
        return None
    try:
        return int(level.get(VAL, ""))
    except ValueError:
        return None


# --------------------------------------------------------------------------- the body


def _children(parent: Element, *tags: str) -> Iterator[Element]:
    """`parent`'s children with one of `tags`, looking through content controls and the like."""
    for child in parent.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag in WRAPPERS:
            yield from _children(child, *tags)


def _text(parent: Element) -> str:
    """The text of a paragraph's runs (python-docx's CT_R.text: tabs and breaks as \\t, \\n)."""
    parts = []
    for child in parent.iterchildren():
        if child.tag == R:
            parts.append(child.text)
        elif child.tag in INLINE:
            parts.append(_text(child))
    return "".join(parts)


def _cell_text(tc: Element) -> str:
    pieces = []
    for block in _children(tc, P, TBL):
        text = clean_text(_text(block) if block.tag == P else _nested_text(block))
        if text:
            pieces.append(text)
    return "\n".join(pieces)


def _nested_text(tbl: Element) -> str:
    """A table inside a cell: the text of its cells, one to a line."""
    lines = []
    for tr in _children(tbl, TR):
        for tc in _children(tr, TC):
            text = "" if tc.vMerge == "continue" else _cell_text(tc)
            if text:
                lines.append(text)
    return "\n".join(lines)


def _deleted(tr: Element) -> bool:
    return tr.find(f"{{{W}}}trPr/{{{W}}}del") is not None


class _Reader:
    def __init__(self, styles: tuple[set[str], str]):
        self.headings, self.default_style = styles
        self.paragraphs = 0
        self.tables = 0

    def body(self, body: Element) -> Iterator[RawLine]:
        for block in _children(body, P, TBL):
            if block.tag == P:
                text = clean_text(_text(block))
                if text:
                    self.paragraphs += 1
                    kind = "heading" if self._is_heading(block) else "text"
                    yield RawLine(self.paragraphs, (text,), kind=kind)
            else:
                self.tables += 1
                yield from self.table(block)

    def _is_heading(self, p: Element) -> bool:
        ppr = p.find(f"{{{W}}}pPr")
        level = _outline_level(ppr)
        if level is not None:
            return level < 9
        style = ppr.find(f"{{{W}}}pStyle") if ppr is not None else None
        sid = style.get(VAL, "") if style is not None else self.default_style
        return sid in self.headings or bool(HEADING_STYLE.match(sid))

    def table(self, tbl: Element) -> Iterator[RawLine]:
        for number, tr in enumerate(_children(tbl, TR), start=1):
            if _deleted(tr):
                continue
            cells: list[str] = [""] * min(tr.grid_before, MAX_SPAN)
            continued: set[int] = set()
            for tc in _children(tr, TC):
                span = min(max(tc.grid_span, 1), MAX_SPAN)
                start = len(cells)
                if tc.vMerge == "continue":  # the cell above holds the text
                    cells += [""] * span
                    continued.update(range(start, start + span))
                else:
                    cells += [_cell_text(tc)] + [""] * (span - 1)
            if any(cells):
                yield RawLine(
                    number, tuple(cells), table=self.tables, continued=frozenset(continued)
                )
