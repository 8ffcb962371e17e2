"""The annotated copy written by patching the xlsx package directly (the fast path).

`write_fast_copy` makes the same copy as `feedback._annotate` + openpyxl, ~20x faster: the
parts that need no change are copied as they are, and the few that do (styles, workbook, the
sheets with problem cells, rels, content types) are patched as text. Nothing is parsed into a
tree and serialised again: that would rename namespace prefixes and break `mc:Ignorable`.

Anything unusual declines (returns None) and `write_annotated_copy` falls back to openpyxl:
not .xlsx, chart or dialog sheets, a problem sheet that already has comments or a legacy
drawing, rows or cells without `r=`, prefixed or strict-OOXML parts, missing parts.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import Problem
from .feedback import (
    ERROR_FILL,
    WARNING_FILL,
    _clean,
    _col_index,
    _comment_line,
    _first_cell,
    _lines,
    _severity_rank,
    _sheet_title,
    _words,
)
from .workspace import atomic_path

log = logging.getLogger(__name__)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
RT_WORKSHEET = REL_NS + "/worksheet"
RT_STYLES = REL_NS + "/styles"
RT_COMMENTS = REL_NS + "/comments"
RT_VML = REL_NS + "/vmlDrawing"
RT_DOCUMENT = REL_NS + "/officeDocument"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
LINK_COLOUR = "0563C1"
# Worksheet children that come after <legacyDrawing> in the schema.
AFTER_LEGACY = {
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
}

_Q = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""  # attributes, '>' allowed inside quotes
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)(" + _Q + ")>")
_ANY = re.compile(r"<!--.*?-->|<!\[CDATA\[|<\?.*?\?>|" + _TAG.pattern, re.S)
_ATTR = re.compile(r"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROW = re.compile(r"<row\b(" + _Q + ")>")
_CELL_TAG = re.compile(r"<c\b(" + _Q + ")>")
_R = re.compile(r"""\sr\s*=\s*["']([^"']*)["']""")
_S = re.compile(r"""\ss\s*=\s*["']([0-9]*)["']""")
_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class Decline(Exception):
    """This package is not one the fast path handles with confidence: use openpyxl."""


# --------------------------------------------------------------------------- text helpers


def _unescape(s: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e.startswith("#x"):
            return chr(int(e[2:], 16))
        if e.startswith("#"):
            return chr(int(e[1:]))
        return _NAMED[e]

    return _ENTITY.sub(one, s) if "&" in s else s


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(s: str) -> str:
    return esc(s).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def attrs(tag: str) -> dict[str, str]:
    """The attributes of a start tag `<x a="1" b='2'>` (values unescaped)."""
    return {m[1]: _unescape(m[2] if m[2] is not None else m[3]) for m in _ATTR.finditer(tag)}


def set_attr(tag: str, name: str, value: str) -> str:
    """`tag` (a start tag) with attribute `name` set to `value`, added before the end if new."""
    pat = re.compile(r"(\s" + re.escape(name) + r"\s*=\s*)(\"[^\"]*\"|'[^']*')")
    new = f'"{esc_attr(value)}"'
    if pat.search(tag):
        return pat.sub(lambda m: m.group(1) + new, tag, count=1)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:end].rstrip()} {name}={new}{tag[end:]}"


def drop_attr(tag: str, name: str) -> str:
    return re.sub(r"\s" + re.escape(name) + r"\s*=\s*(\"[^\"]*\"|'[^']*')", "", tag)


def root_tag(xml: str, name: str) -> re.Match[str]:
    """The root start tag, which must be `name` in the default namespace (not prefixed)."""
    m = _TAG.search(xml)
    if m is None or m.group(1) or m.group(2) != name:
        raise Decline(f"root is not <{name}>")
    return m


def section(xml: str, name: str, start: int = 0) -> tuple[int, int, int, int] | None:
    """(open start, open end, close start, close end) of the first `<name>` element.

    A self-closing `<name/>` gives open end == close start == close end. None when absent.
    """
    m = re.compile(r"<" + name + r"\b(" + _Q + ")>").search(xml, start)
    if m is None:
        return None
    if m.group(1).rstrip().endswith("/"):
        return m.start(), m.end(), m.end(), m.end()
    close = xml.find(f"</{name}>", m.end())
    if close < 0:
        raise Decline(f"<{name}> not closed")
    return m.start(), m.end(), close, close + len(name) + 3


def open_section(xml: str, name: str, start: int = 0) -> tuple[str, int, int, int] | None:
    """Like `section`, but a self-closing element is first rewritten as `<name ...></name>`."""
    sec = section(xml, name, start)
    if sec is None:
        return None
    a, b, c, _d = sec
    if b == c and xml[a:b].endswith("/>"):
        head = xml[a:b][:-2].rstrip() + ">"
        xml = xml[:a] + head + f"</{name}>" + xml[b:]
        return xml, a, a + len(head), a + len(head)
    return xml, a, b, c


def cell_ref(ref: str) -> tuple[int, int]:
    """(row, column) of `B7`, both 1-based."""
    m = _REF.match(ref)
    if m is None:
        raise Decline(f"cell reference {ref!r}")
    return int(m.group(2)), _col_index(m.group(1))


def children(xml: str, start: int, end: int, name: str) -> list[tuple[int, int]]:
    """Spans of the `<name>` child elements between start and end (not nested in each other)."""
    out, pos = [], start
    while True:
        m = _TAG.search(xml, pos, end)
        if m is None:
            return out
        if m.group(1) or m.group(2) != name:
            pos = m.end()
            continue
        if m.group(3).rstrip().endswith("/"):
            out.append((m.start(), m.end()))
            pos = m.end()
        else:
            close = xml.find(f"</{name}>", m.end(), end)
            if close < 0:
                raise Decline(f"<{name}> not closed")
            out.append((m.start(), close + len(name) + 3))
            pos = close + len(name) + 3


# --------------------------------------------------------------------------- package


class Package:
    """The source zip: parts read (and decoded) once, patched parts kept apart."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        infos = zf.infolist()
        self.names = {i.filename.lower(): i.filename for i in infos}
        if len(self.names) != len(infos):
            raise Decline("duplicate part names")
        self.changed: dict[str, str] = {}
        self.added: dict[str, str] = {}
        self.cache: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name.lower() in self.names or name in self.added

    def read(self, name: str) -> str:
        if name in self.changed or name in self.added:
            return self.changed.get(name) or self.added[name]
        actual = self.names.get(name.lower())
        if actual is None:
            raise Decline(f"missing part {name}")
        if actual not in self.cache:
            self.cache[actual] = self.zf.read(actual).decode("utf-8")
        return self.cache[actual]

    def head(self, name: str, marker: str) -> str:
        """The start of a part, up to `marker` (or all of it): cheap for huge sheets."""
        with self.zf.open(self.names[name.lower()]) as f:
            data = b""
            while chunk := f.read(16384):
                data += chunk
                if marker.encode() in data:
                    break
        return data.decode("utf-8", "replace")

    def put(self, name: str, text: str) -> None:
        actual = self.names.get(name.lower(), name)
        if actual in self.names.values():
            self.changed[actual] = text
        else:
            self.added[name] = text

    def free_name(self, pattern: str) -> str:
        n = 1
        while self.has(pattern.format(n)):
            n += 1
        return pattern.format(n)

    def rels(self, name: str) -> list[dict[str, str]]:
        if not self.has(name):
            return []
        xml = self.read(name)
        root = root_tag(xml, "Relationships")
        if attrs(root.group(0)).get("xmlns") != PKG_RELS_NS:
            raise Decline(f"{name}: relationships namespace")
        return [attrs(m.group(0)) for m in _TAG.finditer(xml) if m.group(2) == "Relationship"]

    def write(self, target: Path) -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in self.zf.infolist():
                zi = zipfile.ZipInfo(info.filename, info.date_time)
                zi.external_attr = info.external_attr
                stored = info.compress_type == zipfile.ZIP_STORED
                zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                if info.filename in self.changed:
                    out.writestr(zi, self.changed[info.filename].encode("utf-8"))
                else:
                    out.writestr(zi, self.zf.read(info))
            for name, text in self.added.items():
                zi = zipfile.ZipInfo(name, FIXED_TIME)
                zi.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(zi, text.encode("utf-8"))


def resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(base_dir, target))


def rels_path(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def add_rels(pkg: Package, part: str, new: list[tuple[str, str]]) -> list[str]:
    """Add relationships (type, target) to `part`'s rels (created if needed); their Ids."""
    path = rels_path(part)
    used = {r.get("Id", "") for r in pkg.rels(path)}
    ids, n, items = [], 1, []
    for rtype, target in new:
        while f"rId{n}" in used:
            n += 1
        used.add(f"rId{n}")
        ids.append(f"rId{n}")
        items.append(f'<Relationship Id="rId{n}" Type="{rtype}" Target="{esc_attr(target)}"/>')
    if pkg.has(path):
        xml, _a, _b, close = open_section(pkg.read(path), "Relationships") or ("", 0, 0, 0)
        if not xml:
            raise Decline(f"{path}: no <Relationships>")
        pkg.put(path, xml[:close] + "".join(items) + xml[close:])
    else:
        body = "".join(items)
        pkg.put(path, f'{DECL}<Relationships xmlns="{PKG_RELS_NS}">{body}</Relationships>')
    return ids


# --------------------------------------------------------------------------- styles


class Styles:
    """styles.xml with fills, fonts and cell formats appended (existing indexes unchanged)."""

    def __init__(self, xml: str) -> None:
        if attrs(root_tag(xml, "styleSheet").group(0)).get("xmlns") != MAIN_NS:
            raise Decline("styles namespace")
        self.xml = xml
        self.parts: dict[str, tuple[int, int, int, int]] = {}
        for name in ("fonts", "fills", "cellXfs", "cellStyleXfs"):
            sec = section(xml, name)
            if sec is None or sec[1] == sec[2]:
                raise Decline(f"styles without <{name}>")
            self.parts[name] = sec
        self.fonts = children(xml, self.parts["fonts"][1], self.parts["fonts"][2], "font")
        self.fills = children(xml, self.parts["fills"][1], self.parts["fills"][2], "fill")
        self.xfs = children(xml, self.parts["cellXfs"][1], self.parts["cellXfs"][2], "xf")
        if not self.fonts or not self.fills or not self.xfs:
            raise Decline("empty styles")
        self.new: dict[str, list[str]] = {"fonts": [], "fills": [], "cellXfs": []}
        self.fill_ids = {sev: self._add("fills", _fill(c)) for sev, c in _SEV_FILL.items()}
        self.memo: dict[tuple[int, str], int] = {}

    def _add(self, kind: str, element: str) -> int:
        base = {"fonts": self.fonts, "fills": self.fills, "cellXfs": self.xfs}[kind]
        self.new[kind].append(element)
        return len(base) + len(self.new[kind]) - 1

    def fill_xf(self, s: int, severity: str) -> int:
        """A cell format like `s` but with the severity's fill."""
        if (s, severity) not in self.memo:
            if not 0 <= s < len(self.xfs):
                raise Decline(f"style index {s} out of range")
            a, b = self.xfs[s]
            element = self.xml[a:b]
            head = _TAG.match(element)
            assert head is not None
            tag = set_attr(head.group(0), "fillId", str(self.fill_ids[severity]))
            tag = set_attr(tag, "applyFill", "1")
            self.memo[(s, severity)] = self._add("cellXfs", tag + element[head.end() :])
        return self.memo[(s, severity)]

    def list_xfs(self) -> dict[str, int]:
        """Cell formats for the list sheet: title, head, body, link, error, warning."""
        font0 = self.xml[self.fonts[0][0] : self.fonts[0][1]]
        bold = self._add("fonts", _font(font0, bold=True))
        big = self._add("fonts", _font(font0, bold=True, size="12"))
        link = self._add("fonts", _font(font0, colour=LINK_COLOUR, underline=True))
        top = '<alignment vertical="top" wrapText="1"/></xf>'
        xf = '<xf numFmtId="0" fontId="{}" fillId="{}" borderId="0" xfId="0"{}>'
        ids = {
            "title": self._add("cellXfs", xf.format(big, 0, ' applyFont="1"/')),
            "head": self._add("cellXfs", xf.format(bold, 0, ' applyFont="1"/')),
            "body": self._add("cellXfs", xf.format(0, 0, ' applyAlignment="1"') + top),
            "link": self._add(
                "cellXfs", xf.format(link, 0, ' applyFont="1" applyAlignment="1"') + top
            ),
        }
        for sev, fill in self.fill_ids.items():
            extra = ' applyFill="1" applyAlignment="1"'
            ids[sev] = self._add("cellXfs", xf.format(0, fill, extra) + top)
        return ids

    def render(self) -> str:
        xml = self.xml
        total = {"fonts": self.fonts, "fills": self.fills, "cellXfs": self.xfs}
        for kind in sorted(self.new, key=lambda k: -self.parts[k][0]):  # last section first
            a, b, c, _d = self.parts[kind]
            head = set_attr(xml[a:b], "count", str(len(total[kind]) + len(self.new[kind])))
            xml = xml[:a] + head + xml[b:c] + "".join(self.new[kind]) + xml[c:]
        return xml


_SEV_FILL = {"error": ERROR_FILL, "warning": WARNING_FILL}


def _fill(colour: str) -> str:
    c = f'rgb="FF{colour}"'
    return (
        f'<fill><patternFill patternType="solid"><fgColor {c}/><bgColor {c}/></patternFill></fill>'
    )


def _font(
    base: str,
    bold: bool = False,
    size: str | None = None,
    colour: str | None = None,
    underline: bool = False,
) -> str:
    """Font `base` (an existing <font> element) with bold/size/colour/underline set."""
    inner = ""
    m = _TAG.match(base)
    if m is not None and not m.group(3).rstrip().endswith("/"):
        inner = base[m.end() : base.rfind("</font>")]
    strip = {"b"} | ({"sz"} if size else set()) | ({"color"} if colour else set()) | {"u"}
    inner = re.sub(r"<(" + "|".join(strip) + r")\b" + _Q + "/>", "", inner)
    if re.search(r"<(" + "|".join(strip) + r")\b", inner):  # unexpected form: start clean
        inner = ""
    extra = ("<b/>" if bold else "") + ("<u/>" if underline else "")
    extra += f'<sz val="{size}"/>' if size else ""
    extra += f'<color rgb="FF{colour}"/>' if colour else ""
    return f"<font>{extra}{inner}</font>"


# --------------------------------------------------------------------------- sheets


def patch_cells(content: str, cols: dict[int, tuple[str, str]], style: StyleFor) -> str:
    """A row's content with the target cells' styles set; missing cells inserted in order."""
    if "extLst" in content:
        raise Decline("row with extLst")
    pending = sorted(cols)
    out, pos, j, last = [], 0, 0, 0
    for m in _CELL_TAG.finditer(content):
        if j >= len(pending):
            break
        ref = _R.search(m.group(1))
        if ref is None:
            raise Decline("cell without r=")
        col = cell_ref(ref.group(1))[1]
        if col <= last:
            raise Decline("cells out of order")
        last = col
        while j < len(pending) and pending[j] < col:
            coord, sev = cols[pending[j]]
            out += [content[pos : m.start()], f'<c r="{coord}" s="{style(0, sev)}"/>']
            pos, j = m.start(), j + 1
        if j < len(pending) and pending[j] == col:
            sev = cols[col][1]
            old = _S.search(m.group(1))
            s = int(old.group(1) or 0) if old else 0
            out += [content[pos : m.start()], set_attr(m.group(0), "s", str(style(s, sev)))]
            pos, j = m.end(), j + 1
    out.append(content[pos:])
    out += [f'<c r="{cols[c][0]}" s="{style(0, cols[c][1])}"/>' for c in pending[j:]]
    return "".join(out)


StyleFor = Callable[[int, str], int]


def patch_rows(body: str, targets: dict[int, dict[int, tuple[str, str]]], style: StyleFor) -> str:
    """The content of <sheetData> with the target cells styled (rows and cells created)."""

    def new_row(r: int) -> str:
        return f'<row r="{r}">{patch_cells("", targets[r], style)}</row>'

    pending = sorted(targets)
    out, pos, i, last = [], 0, 0, 0
    for m in _ROW.finditer(body):
        if i >= len(pending):
            break
        ref = _R.search(m.group(1))
        if ref is None:
            raise Decline("row without r=")
        r = int(ref.group(1))
        if r <= last:
            raise Decline("rows out of order")
        last = r
        while i < len(pending) and pending[i] < r:
            out += [body[pos : m.start()], new_row(pending[i])]
            pos, i = m.start(), i + 1
        if i < len(pending) and pending[i] == r:
            tag = m.group(0)
            if tag.endswith("/>"):
                content, end, tag = "", m.end(), tag[:-2].rstrip() + ">"
            else:
                close = body.find("</row>", m.end())
                if close < 0:
                    raise Decline("row not closed")
                content, end = body[m.end() : close], close + 6
            patched = patch_cells(content, targets[r], style)
            if len(_CELL_TAG.findall(patched)) != len(_CELL_TAG.findall(content)):
                tag = drop_attr(tag, "spans")  # a new cell may lie outside the hint
            out += [body[pos : m.start()], tag, patched, "</row>"]
            pos, i = end, i + 1
    out.append(body[pos:])
    out += [new_row(r) for r in pending[i:]]
    return "".join(out)


def legacy_position(xml: str, start: int) -> int:
    """Where <legacyDrawing> goes among the worksheet's children after `start`."""
    depth = 0
    for m in _ANY.finditer(xml, start):
        text = m.group(0)
        if text.startswith("<![CDATA["):
            raise Decline("CDATA in a sheet")
        if text.startswith(("<!", "<?")):
            continue
        closing, name, rest = m.group(1), m.group(2), m.group(3)
        if closing:
            if depth == 0:
                return m.start()  # </worksheet>
            depth -= 1
            continue
        if depth == 0 and name in AFTER_LEGACY:
            return m.start()
        if depth == 0 and ":" in name:
            raise Decline(f"<{name}> in a sheet")
        if not rest.rstrip().endswith("/"):
            depth += 1
    raise Decline("sheet not closed")


def untab(xml: str) -> str:
    """Sheet XML with tabSelected removed from its sheet views."""
    sec = section(xml, "sheetViews")
    if sec is None:
        return xml
    a, _b, _c, d = sec
    part = re.sub(r"\stabSelected\s*=\s*(\"[^\"]*\"|'[^']*')", "", xml[a:d])
    return xml[:a] + part + xml[d:]


def grow_dimension(xml: str, refs: list[tuple[int, int]]) -> str:
    m = re.search(r'<dimension\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"\s*/>', xml)
    if m is None or not refs:
        return xml
    r1, c1 = int(m.group(2)), _col_index(m.group(1))
    r2, c2 = (int(m.group(4)), _col_index(m.group(3))) if m.group(3) else (r1, c1)
    rows, cols = [r1, r2] + [r for r, _ in refs], [c1, c2] + [c for _, c in refs]
    ref = f"{_letters(min(cols))}{min(rows)}:{_letters(max(cols))}{max(rows)}"
    return xml[: m.start()] + f'<dimension ref="{ref}"/>' + xml[m.end() :]


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def merged_ranges(xml: str) -> list[tuple[int, int, int, int]]:
    out = []
    sec = section(xml, "mergeCells")
    if sec is None:
        return out
    for m in _TAG.finditer(xml, sec[1], sec[2]):
        ref = attrs(m.group(0)).get("ref", "")
        parts = ref.split(":")
        if m.group(2) != "mergeCell" or not 1 <= len(parts) <= 2:
            continue
        (ra, ca), (rb, cb) = cell_ref(parts[0]), cell_ref(parts[-1])
        out.append((min(ra, rb), min(ca, cb), max(ra, rb), max(ca, cb)))
    return out


def patch_sheet(xml: str, cells: dict[str, str], style: StyleFor, legacy_rid: str) -> str:
    """A worksheet with `cells` ({coord: severity}) filled and a <legacyDrawing> added."""
    root = root_tag(xml, "worksheet")
    ra = attrs(root.group(0))
    if ra.get("xmlns") != MAIN_NS:
        raise Decline("sheet namespace")
    if re.search(r"<legacyDrawing[\s/>]", xml):
        raise Decline("sheet already has a legacy drawing")
    targets: dict[int, dict[int, tuple[str, str]]] = {}
    for coord, sev in cells.items():
        r, c = cell_ref(coord)
        targets.setdefault(r, {})[c] = (coord, sev)
    opened = open_section(xml, "sheetData")
    if opened is None:
        raise Decline("sheet without <sheetData>")
    xml, _a, b, c = opened
    xml = xml[:b] + patch_rows(xml[b:c], targets, style) + xml[c:]
    end = xml.index("</sheetData>")
    at = legacy_position(xml, end + len("</sheetData>"))
    xml = xml[:at] + f'<legacyDrawing r:id="{legacy_rid}"/>' + xml[at:]
    xml = grow_dimension(xml, [cell_ref(k) for k in cells])
    if "xmlns:r" not in ra:
        root = root_tag(xml, "worksheet")
        tag = set_attr(root.group(0), "xmlns:r", REL_NS)
        xml = xml[: root.start()] + tag + xml[root.end() :]
    elif ra["xmlns:r"] != REL_NS:
        raise Decline("sheet binds r: to something else")
    return xml


# --------------------------------------------------------------------------- comments


def comments_xml(notes: list[tuple[str, str]], author: str) -> str:
    """The comments part for `notes` ([(coord, text)], text already cleaned)."""
    items = "".join(
        f'<comment ref="{coord}" authorId="0"><text><t xml:space="preserve">{esc(text)}</t>'
        "</text></comment>"
        for coord, text in sorted(notes, key=lambda n: cell_ref(n[0]))
    )
    return (
        f'{DECL}<comments xmlns="{MAIN_NS}"><authors><author>{esc(author)}</author></authors>'
        f"<commentList>{items}</commentList></comments>"
    )


def vml_xml(notes: list[tuple[str, str]], first_block: int) -> tuple[str, int]:
    """The legacy drawing holding one hidden Note shape per comment; (xml, blocks used)."""
    blocks = len(notes) // 1024 + 1
    data = ",".join(str(first_block + k) for k in range(blocks))
    shapes = []
    for n, (coord, text) in enumerate(notes, start=1):
        row, col = cell_ref(coord)
        r0, c0 = row - 1, col - 1
        height = min(1000, max(80, 20 * (text.count("\n") + 2) + len(text) // 3))
        top = max(r0 - 1, 0)
        anchor = f"{c0 + 1}, 15, {top}, 10, {c0 + 5}, 15, {top + max(4, height // 20)}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{1024 * first_block + n}" type="#_x0000_t202" '
            f"style='position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:320px;"
            f'height:{height}px;z-index:{n};visibility:hidden\' fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            "<v:textbox style='mso-direction-alt:auto'><div style='text-align:left'></div>"
            '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData></v:shape>"
        )
    xml = (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{''.join(shapes)}</xml>"
    )
    return xml, blocks


def used_vml_blocks(pkg: Package) -> int:
    """The highest shape-id block (`o:idmap data`) any existing VML part uses."""
    top = 0
    for lower, actual in pkg.names.items():
        if lower.endswith(".vml"):
            text = pkg.zf.read(actual).decode("utf-8", "replace")
            for m in re.finditer(r"<o:idmap\b[^>]*\bdata\s*=\s*[\"']([^\"']*)", text):
                top = max([top, *(int(x) for x in re.findall(r"[0-9]+", m.group(1)))])
    return top


# --------------------------------------------------------------------------- list sheet


def _text_cell(ref: str, value: object, s: int) -> str:
    text = _clean(value)
    if not text:
        return f'<c r="{ref}" s="{s}"/>'
    return (
        f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{esc(text)}</t></is></c>'
    )


def list_sheet_xml(
    problems: Sequence[Problem],
    located: dict[int, tuple[str, str]],
    w: dict[str, str],
    xf: dict[str, int],
) -> str:
    """The "to fix" sheet, laid out like feedback._list_sheet, every value as text."""
    heads = ("sheet", "cell", "value", "message", "severity")
    widths = (18, 8, 24, 80, 11)
    rows = [f'<row r="1">{_text_cell("A1", w["to_fix_title"], xf["title"])}</row>']
    head = "".join(
        _text_cell(f"{c}3", w[k], xf["head"]) for c, k in zip("ABCDE", heads, strict=True)
    )
    rows.append(f'<row r="3">{head}</row>')
    links = []
    order = sorted(range(len(problems)), key=lambda i: _severity_rank(problems[i]))
    table: list[tuple[list[str], list[int]]] = []
    for r, i in enumerate(order, start=4):
        p = problems[i]
        sheet, cell = located.get(i, (p.sheet, p.cell))
        sev = "error" if p.severity == "error" else "warning"
        values = [sheet, cell, p.value, p.message, w[sev]]
        styles = [xf["body"], xf["link" if i in located else "body"], xf["body"], xf["body"]]
        table.append(([_clean(v) for v in values], [*styles, xf[sev]]))
        if i in located:
            quoted = sheet.replace("'", "''")
            location = esc_attr(f"'{quoted}'!{cell}")
            links.append(
                f'<hyperlink ref="B{r}" location="{location}" display="{esc_attr(cell)}"/>'
            )
    if not problems:
        table.append((["", "", "", _clean(w["no_problems"]), ""], [xf["body"]] * 5))
    for r, (values, styles) in enumerate(table, start=4):
        lines = max(_lines(values[3], widths[3]), _lines(values[2], widths[2]))
        ht = f' ht="{15 * lines}" customHeight="1"' if lines > 1 else ""
        cells = "".join(
            _text_cell(f"{c}{r}", v, s) for c, v, s in zip("ABCDE", values, styles, strict=True)
        )
        rows.append(f'<row r="{r}"{ht}>{cells}</row>')
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{wd}" customWidth="1"/>'
        for n, wd in enumerate(widths, start=1)
    )
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    return (
        f'{DECL}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:E{3 + len(table)}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A4" sqref="A4"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
        f"<sheetData>{''.join(rows)}</sheetData>{hyperlinks}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>'
    )


# --------------------------------------------------------------------------- workbook


def patch_workbook(xml: str, title: str, sheet_id: int, rid: str) -> str:
    """workbook.xml with `title` as the first, active sheet and its print titles."""
    sec = section(xml, "sheets")
    if sec is None or sec[1] == sec[2]:
        raise Decline("workbook without sheets")
    new = f'<sheet name="{esc_attr(title)}" sheetId="{sheet_id}" r:id="{rid}"/>'
    xml = xml[: sec[1]] + new + xml[sec[1] :]
    quoted = esc("'" + title.replace("'", "''") + "'")
    titles = f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{quoted}!$3:$3</definedName>'

    def shift(m: re.Match[str]) -> str:
        tag = m.group(0)
        if m.group(1) or m.group(2) != "definedName":
            return tag
        local = attrs(tag).get("localSheetId")
        return tag if local is None else set_attr(tag, "localSheetId", str(int(local) + 1))

    opened = open_section(xml, "definedNames")
    if opened is not None:
        xml, _a, b, c = opened
        xml = xml[:b] + titles + _TAG.sub(shift, xml[b:c]) + xml[c:]
    else:
        at = xml.index("</sheets>") + len("</sheets>")
        for name in ("functionGroups", "externalReferences"):
            other = section(xml, name)
            if other is not None:
                at = max(at, other[3])
        xml = xml[:at] + f"<definedNames>{titles}</definedNames>" + xml[at:]

    def view(m: re.Match[str]) -> str:
        tag = set_attr(m.group(0), "activeTab", "0")
        return set_attr(tag, "firstSheet", "0") if "firstSheet" in attrs(tag) else tag

    return re.sub(r"<workbookView\b" + _Q + ">", view, xml)


def patch_content_types(xml: str, parts: list[tuple[str, str]], vml: bool) -> str:
    root = root_tag(xml, "Types")
    tags = [attrs(m.group(0)) for m in _TAG.finditer(xml) if m.group(2) in ("Default", "Override")]
    known = {a.get("PartName", "").lower() for a in tags}
    if any(f"/{p}".lower() in known for p, _ in parts):
        raise Decline("content type already declared for a new part")
    add = ""
    if vml and "vml" not in {a.get("Extension", "").lower() for a in tags}:
        add += f'<Default Extension="vml" ContentType="{CT_VML}"/>'
    add += "".join(f'<Override PartName="/{p}" ContentType="{ct}"/>' for p, ct in parts)
    return xml[: root.end()] + add + xml[root.end() :]


def unique_title(existing: list[str], base: str) -> str:
    folded = {t.casefold() for t in existing}
    if base.casefold() not in folded:
        return base
    n = 2
    while f"{base[:27]} ({n})".casefold() in folded:
        n += 1
    return f"{base[:27]} ({n})"


# --------------------------------------------------------------------------- the copy


def write_fast_copy(
    source: Path, problems: Sequence[Problem], target: Path, language: str
) -> Path | None:
    """The annotated copy of an .xlsx written by patching its parts, or None (declined).

    Same content as `feedback.write_annotated_copy`'s openpyxl path. Declines (None, nothing
    written) for anything it does not handle with confidence; other failures raise.
    """
    source, target = Path(source), Path(target)
    if source.suffix.lower() != ".xlsx":
        return None
    if target.suffix.lower() != ".xlsx":
        target = target.with_suffix(".xlsx")
    with zipfile.ZipFile(source) as zf:
        try:
            pkg = Package(zf)
            annotate_package(pkg, problems, _words(language))
        except Decline as exc:
            log.info("fast annotation of %s declined: %s", source, exc)
            return None
        with atomic_path(target) as tmp:
            pkg.write(tmp)
    return target


def read_sheets(pkg: Package, wb_xml: str) -> tuple[list[tuple[str, str]], int, str]:
    """([(title, part)] in workbook order, the largest sheetId, the styles part)."""
    ra = attrs(root_tag(wb_xml, "workbook").group(0))
    if ra.get("xmlns") != MAIN_NS or ra.get("xmlns:r") != REL_NS:
        raise Decline("workbook namespaces")
    rels = {r.get("Id"): r for r in pkg.rels("xl/_rels/workbook.xml.rels")}
    sec = section(wb_xml, "sheets")
    if sec is None or sec[1] == sec[2]:
        raise Decline("workbook without sheets")
    sheets, top = [], 0
    for m in _TAG.finditer(wb_xml, sec[1], sec[2]):
        if m.group(1):
            continue
        a = attrs(m.group(0))
        rel = rels.get(a.get("r:id"))
        if m.group(2) != "sheet" or rel is None or rel.get("Type") != RT_WORKSHEET:
            raise Decline("a sheet that is not a plain worksheet")
        part = resolve("xl", rel.get("Target", ""))
        if rel.get("TargetMode") == "External" or not pkg.has(part) or "name" not in a:
            raise Decline(f"sheet part {part}")
        sheets.append((a["name"], pkg.names[part.lower()]))
        top = max(top, int(a.get("sheetId", "0")))
    styles = [r for r in rels.values() if r.get("Type") == RT_STYLES]
    if len(styles) != 1 or not pkg.has(resolve("xl", styles[0].get("Target", ""))):
        raise Decline("styles part")
    part = resolve("xl", styles[0]["Target"])
    return sheets, top, pkg.names[part.lower()]


def annotate_package(pkg: Package, problems: Sequence[Problem], w: dict[str, str]) -> None:
    """Patch `pkg` into the annotated copy (parts kept in pkg.changed / pkg.added)."""
    docs = [r for r in pkg.rels("_rels/.rels") if r.get("Type") == RT_DOCUMENT]
    if len(docs) != 1 or resolve("", docs[0].get("Target", "")) != "xl/workbook.xml":
        raise Decline("main part is not xl/workbook.xml")
    wb_xml = pkg.read("xl/workbook.xml")
    sheets, top_id, styles_part = read_sheets(pkg, wb_xml)
    ct_xml = pkg.read("[Content_Types].xml")
    if not re.search(
        r'PartName="/xl/workbook\.xml"\s+ContentType="[^"]*\.sheet\.main\+xml"', ct_xml
    ) and not re.search(
        r'ContentType="[^"]*\.sheet\.main\+xml"\s+PartName="/xl/workbook\.xml"', ct_xml
    ):
        raise Decline("not a plain workbook content type")

    # Locate the problem cells as feedback._annotate does.
    by_title = {t: (t, part) for t, part in sheets}
    by_folded = {t.casefold(): (t, part) for t, part in sheets}
    grouped: dict[tuple[str, str], list[Problem]] = {}
    located: dict[int, tuple[str, str]] = {}
    for i, p in enumerate(problems):
        hit = (by_title.get(p.sheet) or by_folded.get(p.sheet.casefold())) if p.sheet else None
        coord = _first_cell(p.cell)
        if hit is None or coord is None:
            continue
        row, col = cell_ref(coord)
        for r1, c1, r2, c2 in merged_ranges(pkg.read(hit[1])):
            if r1 <= row <= r2 and c1 <= col <= c2:
                coord = f"{_letters(c1)}{r1}"
                break
        grouped.setdefault((hit[0], coord), []).append(p)
        located[i] = (hit[0], coord)

    styles = Styles(pkg.read(styles_part))
    overrides: list[tuple[str, str]] = []
    block = used_vml_blocks(pkg) + 1
    for title, part in sheets:
        keys = [k for k in grouped if k[0] == title]
        if keys:
            block = _annotate_sheet(pkg, part, {k[1]: grouped[k] for k in keys}, styles, w, block)
            overrides.append((_comments_part(pkg, part), CT_COMMENTS))
        else:
            head = pkg.head(part, "<sheetData")
            if "tabSelected" in head:
                xml = untab(pkg.read(part))
                if "tabSelected" in xml[: xml.find("<sheetData")]:
                    raise Decline("tabSelected not in a plain sheet view")
                pkg.put(part, xml)

    xf = styles.list_xfs()
    title = unique_title([t for t, _ in sheets], _sheet_title(w["to_fix"]))
    list_part = pkg.free_name("xl/worksheets/sheet{}.xml")
    pkg.put(list_part, list_sheet_xml(problems, located, w, xf))
    pkg.put(styles_part, styles.render())
    rid = add_rels(pkg, "xl/workbook.xml", [(RT_WORKSHEET, posixpath.relpath(list_part, "xl"))])
    pkg.put("xl/workbook.xml", patch_workbook(wb_xml, title, top_id + 1, rid[0]))
    overrides.insert(0, (list_part, CT_SHEET))
    pkg.put("[Content_Types].xml", patch_content_types(ct_xml, overrides, bool(grouped)))


def _comments_part(pkg: Package, sheet_part: str) -> str:
    """The comments part this run added for `sheet_part` (from its rels)."""
    for r in pkg.rels(rels_path(sheet_part)):
        if r.get("Type") == RT_COMMENTS:
            return resolve(posixpath.dirname(sheet_part), r.get("Target", ""))
    raise Decline("comments part lost")


def _annotate_sheet(
    pkg: Package,
    part: str,
    cells: dict[str, list[Problem]],
    styles: Styles,
    w: dict[str, str],
    block: int,
) -> int:
    """Fill and comment `cells` of one sheet; the next free VML shape block."""
    if any(r.get("Type") in (RT_COMMENTS, RT_VML) for r in pkg.rels(rels_path(part))):
        raise Decline(f"{part} already has comments or a legacy drawing")
    severity = {
        k: "error" if any(p.severity == "error" for p in probs) else "warning"
        for k, probs in cells.items()
    }
    notes = [
        (k, _clean("\n".join(_comment_line(p, w) for p in probs), 30000))
        for k, probs in cells.items()
    ]
    comments = pkg.free_name("xl/comments{}.xml")
    pkg.put(comments, comments_xml(notes, w["author"]))
    vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
    vml, used = vml_xml(notes, block)
    pkg.put(vml_part, vml)
    here = posixpath.dirname(part)
    new = [
        (RT_COMMENTS, posixpath.relpath(comments, here)),
        (RT_VML, posixpath.relpath(vml_part, here)),
    ]
    ids = add_rels(pkg, part, new)
    pkg.put(part, untab(patch_sheet(pkg.read(part), severity, styles.fill_xf, ids[1])))
    return block + used
