"""The annotated copy written by patching the xlsx package directly (the fast path).

`write_fast_copy` writes what `feedback._annotate` + openpyxl write, ~25x faster: parts that
need no change are copied as they are; styles, workbook, the sheets with problem cells, rels
and content types are patched as text, and the comments, their VML drawing and the list sheet
are new parts. Nothing is parsed into a tree and serialised again: that renames namespace
prefixes and breaks `mc:Ignorable`, which Excel reports as corruption.

Anything unusual declines (None) and `write_annotated_copy` falls back to openpyxl: not .xlsx,
chart or dialog sheets, a problem sheet that already has comments or a legacy drawing, rows or
cells without `r=`, prefixed or strict-OOXML roots, XML comments or CDATA in a patched sheet.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

from . import feedback as fb
from .errors import Problem
from .workspace import atomic_path

log = logging.getLogger(__name__)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
RT_WORKSHEET, RT_STYLES = REL_NS + "/worksheet", REL_NS + "/styles"
RT_COMMENTS, RT_VML = REL_NS + "/comments", REL_NS + "/vmlDrawing"
CT = "application/vnd.openxmlformats-officedocument."
CT_SHEET = CT + "spreadsheetml.worksheet+xml"
CT_COMMENTS = CT + "spreadsheetml.comments+xml"
CT_VML = CT + "vmlDrawing"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # new parts: the same bytes wherever the copy is made
# Worksheet children that come after <legacyDrawing> in the schema.
_AFTER = "legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst"
AFTER_LEGACY = set(_AFTER.split())

_Q = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""  # a tag's attributes ('>' allowed inside quotes)
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)(" + _Q + ")>")
_ANY = re.compile(r"<!--.*?-->|<!\[CDATA\[|<\?.*?\?>|" + _TAG.pattern, re.S)
_ATTR = re.compile(r"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROW = re.compile(r"<row\b(" + _Q + ")>")
_CELL = re.compile(r"<c\b(" + _Q + ")>")
_R = re.compile(r"""\sr\s*=\s*["']([^"']*)["']""")
_S = re.compile(r"""\ss\s*=\s*["']([0-9]*)["']""")
_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

StyleFor = Callable[[int, str], int]  # (cell's style index, severity) -> new style index


class Decline(Exception):
    """Not a package the fast path handles with confidence: use openpyxl."""


# --------------------------------------------------------------------------- text helpers


def _unescape(s: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] == "#":
            return chr(int(e[2:], 16) if e[1] == "x" else int(e[1:]))
        return _NAMED[e]

    return _ENTITY.sub(one, s) if "&" in s else s


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def esc_attr(s: str) -> str:
    return esc(s).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def attrs(tag: str) -> dict[str, str]:
    """The attributes of a start tag `<x a="1" b='2'>` (values unescaped)."""
    return {m[1]: _unescape(m[2] if m[2] is not None else m[3]) for m in _ATTR.finditer(tag)}


def set_attr(tag: str, name: str, value: str) -> str:
    """Start tag `tag` with attribute `name` set to `value` (added at the end when new)."""
    pat = re.compile(r"(\s" + re.escape(name) + r"\s*=\s*)(\"[^\"]*\"|'[^']*')")
    new = f'"{esc_attr(value)}"'
    if pat.search(tag):
        return pat.sub(lambda m: m.group(1) + new, tag, count=1)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:end].rstrip()} {name}={new}{tag[end:]}"


def root_tag(xml: str, name: str, ns: str = MAIN_NS) -> re.Match[str]:
    """The root start tag, which must be `name` in default namespace `ns` (not prefixed)."""
    m = _TAG.search(xml)
    if m is None or m.group(1) or m.group(2) != name or attrs(m.group(0)).get("xmlns") != ns:
        raise Decline(f"root is not <{name} xmlns={ns}>")
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


def open_section(xml: str, name: str) -> tuple[str, int, int] | None:
    """(xml, content start, content end) of `<name>`; a self-closing one is opened first."""
    sec = section(xml, name)
    if sec is None:
        return None
    a, b, c, _d = sec
    if b == c and xml[a:b].endswith("/>"):
        head = xml[a:b][:-2].rstrip() + ">"
        return xml[:a] + head + f"</{name}>" + xml[b:], a + len(head), a + len(head)
    return xml, b, c


def children(xml: str, start: int, end: int, name: str) -> list[tuple[int, int]]:
    """Spans of the `<name>` elements between start and end (not nested in each other)."""
    out, pos = [], start
    while m := _TAG.search(xml, pos, end):
        pos = m.end()
        if not m.group(1) and m.group(2) == name:
            if not m.group(3).rstrip().endswith("/"):
                close = xml.find(f"</{name}>", m.end(), end)
                if close < 0:
                    raise Decline(f"<{name}> not closed")
                pos = close + len(name) + 3
            out.append((m.start(), pos))
    return out


def cell_ref(ref: str) -> tuple[int, int]:
    """(row, column) of `B7`, both 1-based."""
    m = _REF.match(ref)
    if m is None:
        raise Decline(f"cell reference {ref!r}")
    return int(m.group(2)), fb._col_index(m.group(1))


def letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


# --------------------------------------------------------------------------- package


class Package:
    """The source zip: parts read and decoded once; patched and new parts kept apart."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = {i.filename.lower(): i.filename for i in zf.infolist()}
        if len(self.names) != len(zf.infolist()):
            raise Decline("duplicate part names")
        self.changed: dict[str, str] = {}
        self.added: dict[str, str] = {}
        self.cache: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name.lower() in self.names or name in self.added

    def read(self, name: str) -> str:
        if name in self.added:
            return self.added[name]
        actual = self.names.get(name.lower())
        if actual is None:
            raise Decline(f"missing part {name}")
        if actual in self.changed:
            return self.changed[actual]
        if actual not in self.cache:
            self.cache[actual] = self.zf.read(actual).decode("utf-8")
        return self.cache[actual]

    def head(self, name: str, marker: str) -> str:
        """The start of a part up to `marker` (or all of it): cheap for huge sheets."""
        data = b""
        with self.zf.open(self.names[name.lower()]) as f:
            while (chunk := f.read(16384)) and marker.encode() not in data:
                data += chunk
        return data.decode("utf-8", "replace")

    def put(self, name: str, text: str) -> None:
        if name.lower() in self.names:
            self.changed[self.names[name.lower()]] = text
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
        root_tag(xml, "Relationships", PKG_RELS_NS)
        return [attrs(m.group(0)) for m in _TAG.finditer(xml) if m.group(2) == "Relationship"]

    def write(self, target: Path) -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in self.zf.infolist():
                zi = zipfile.ZipInfo(info.filename, info.date_time)
                zi.external_attr = info.external_attr
                if info.compress_type != zipfile.ZIP_STORED:
                    zi.compress_type = zipfile.ZIP_DEFLATED
                text = self.changed.get(info.filename)
                out.writestr(zi, self.zf.read(info) if text is None else text.encode("utf-8"))
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
    """Add relationships [(type, target part)] to `part`'s rels (made if needed); their Ids."""
    path, here = rels_path(part), posixpath.dirname(part)
    used = {r.get("Id", "") for r in pkg.rels(path)}
    ids, n, items = [], 1, ""
    for rtype, target in new:
        while f"rId{n}" in used:
            n += 1
        used.add(f"rId{n}")
        ids.append(f"rId{n}")
        rel = esc_attr(posixpath.relpath(target, here))
        items += f'<Relationship Id="rId{n}" Type="{rtype}" Target="{rel}"/>'
    xml = pkg.read(path) if pkg.has(path) else f'{DECL}<Relationships xmlns="{PKG_RELS_NS}"/>'
    xml, _b, c = open_section(xml, "Relationships") or ("", 0, 0)
    if not xml:
        raise Decline(f"{path}: no <Relationships>")
    pkg.put(path, xml[:c] + items + xml[c:])
    return ids


# --------------------------------------------------------------------------- styles


class Styles:
    """styles.xml with fills, fonts and cell formats appended (existing indexes unchanged)."""

    KINDS = {"fonts": "font", "fills": "fill", "cellXfs": "xf"}

    def __init__(self, xml: str) -> None:
        root_tag(xml, "styleSheet")
        self.xml = xml
        self.secs: dict[str, tuple[int, int, int, int]] = {}
        self.items: dict[str, list[tuple[int, int]]] = {}
        for kind in ("cellStyleXfs", *self.KINDS):
            sec = section(xml, kind)
            if sec is None or sec[1] == sec[2]:
                raise Decline(f"styles without <{kind}>")
            self.secs[kind] = sec
        for kind, child in self.KINDS.items():
            self.items[kind] = children(xml, self.secs[kind][1], self.secs[kind][2], child)
            if not self.items[kind]:
                raise Decline(f"empty <{kind}>")
        self.new: dict[str, list[str]] = {kind: [] for kind in self.KINDS}
        fill = '<fill><patternFill patternType="solid"><fgColor rgb="FF{0}"/><bgColor rgb="FF{0}"/>'
        self.fill_ids = {
            "error": self.add("fills", fill.format(fb.ERROR_FILL) + "</patternFill></fill>"),
            "warning": self.add("fills", fill.format(fb.WARNING_FILL) + "</patternFill></fill>"),
        }
        self.memo: dict[tuple[int, str], int] = {}

    def add(self, kind: str, element: str) -> int:
        self.new[kind].append(element)
        return len(self.items[kind]) + len(self.new[kind]) - 1

    def fill_xf(self, s: int, severity: str) -> int:
        """A cell format like `s` but with the severity's fill."""
        if (s, severity) not in self.memo:
            if not 0 <= s < len(self.items["cellXfs"]):
                raise Decline(f"style index {s} out of range")
            a, b = self.items["cellXfs"][s]
            head = _TAG.match(self.xml, a)
            assert head is not None
            tag = set_attr(head.group(0), "fillId", str(self.fill_ids[severity]))
            xf = set_attr(tag, "applyFill", "1") + self.xml[head.end() : b]
            self.memo[(s, severity)] = self.add("cellXfs", xf)
        return self.memo[(s, severity)]

    def list_xfs(self) -> dict[str, int]:
        """Cell formats for the list sheet: title, head, body, link, error, warning."""
        a, b = self.items["fonts"][0]
        base = self.xml[a:b]
        bold = self.add("fonts", font(base, "<b/>", "b"))
        big = self.add("fonts", font(base, '<b/><sz val="12"/>', "b", "sz"))
        link = self.add("fonts", font(base, '<u/><color rgb="FF0563C1"/>', "u", "color"))
        xf = '<xf numFmtId="0" fontId="{}" fillId="{}" borderId="0" xfId="0"{}'
        top = ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
        ids = {
            "title": self.add("cellXfs", xf.format(big, 0, ' applyFont="1"/>')),
            "head": self.add("cellXfs", xf.format(bold, 0, ' applyFont="1"/>')),
            "body": self.add("cellXfs", xf.format(0, 0, top)),
            "link": self.add("cellXfs", xf.format(link, 0, ' applyFont="1"' + top)),
        }
        for sev, fill in self.fill_ids.items():
            ids[sev] = self.add("cellXfs", xf.format(0, fill, ' applyFill="1"' + top))
        return ids

    def render(self) -> str:
        xml = self.xml
        for kind in sorted(self.new, key=lambda k: -self.secs[k][0]):  # last section first
            a, b, c, _d = self.secs[kind]
            count = str(len(self.items[kind]) + len(self.new[kind]))
            head, tail = set_attr(xml[a:b], "count", count), "".join(self.new[kind]) + xml[c:]
            xml = xml[:a] + head + xml[b:c] + tail
        return xml


def font(base: str, extra: str, *replaced: str) -> str:
    """Font element `base` with its `replaced` children (b, sz, ...) replaced by `extra`."""
    m = _TAG.match(base)
    inner = ""
    if m is not None and not m.group(3).rstrip().endswith("/"):
        inner = base[m.end() : base.rfind("</font>")]
    names = "|".join(replaced)
    inner = re.sub(r"<(" + names + r")\b" + _Q + "/>", "", inner)
    if re.search(r"<(" + names + r")\b", inner):  # an unexpected form: only what we need
        inner = ""
    return f"<font>{extra}{inner}</font>"


# --------------------------------------------------------------------------- sheets


def patch_cells(content: str, cols: dict[int, tuple[str, str]], style: StyleFor) -> str:
    """A row's content with the target cells' styles set; missing cells inserted in order."""
    if "extLst" in content:
        raise Decline("row with extLst")
    pending = sorted(cols)
    out, pos, j, last = [], 0, 0, 0
    for m in _CELL.finditer(content):
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
            old = _S.search(m.group(1))
            s = style(int(old.group(1) or 0) if old else 0, cols[col][1])
            out += [content[pos : m.start()], set_attr(m.group(0), "s", str(s))]
            pos, j = m.end(), j + 1
    out.append(content[pos:])
    out += [f'<c r="{cols[c][0]}" s="{style(0, cols[c][1])}"/>' for c in pending[j:]]
    return "".join(out)


def patch_rows(body: str, targets: dict[int, dict[int, tuple[str, str]]], style: StyleFor) -> str:
    """The content of <sheetData> with the target cells styled (rows and cells created)."""
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
            new = patch_cells("", targets[pending[i]], style)
            out += [body[pos : m.start()], f'<row r="{pending[i]}">{new}</row>']
            pos, i = m.start(), i + 1
        if i < len(pending) and pending[i] == r:
            tag, content, end = m.group(0), "", m.end()
            if tag.endswith("/>"):
                tag = tag[:-2].rstrip() + ">"
            else:
                end = body.find("</row>", m.end())
                if end < 0:
                    raise Decline("row not closed")
                content, end = body[m.end() : end], end + 6
            patched = patch_cells(content, targets[r], style)
            if len(_CELL.findall(patched)) != len(_CELL.findall(content)):  # new cells
                tag = re.sub(r"\sspans\s*=\s*(\"[^\"]*\"|'[^']*')", "", tag)  # stale hint
            out += [body[pos : m.start()], tag, patched, "</row>"]
            pos, i = end, i + 1
    out.append(body[pos:])
    out += [f'<row r="{r}">{patch_cells("", targets[r], style)}</row>' for r in pending[i:]]
    return "".join(out)


def legacy_position(xml: str, start: int) -> int:
    """Where <legacyDrawing> goes among the worksheet's children after `start`."""
    depth = 0
    for m in _ANY.finditer(xml, start):
        if m.group(0).startswith(("<!", "<?")):
            raise Decline("comment, CDATA or processing instruction in a sheet")
        closing, name, rest = m.group(1), m.group(2), m.group(3)
        if closing:
            if depth == 0:
                return m.start()  # </worksheet>
            depth -= 1
        elif depth == 0 and (name in AFTER_LEGACY or ":" in name):
            if ":" in name:  # mc:AlternateContent and the like: not sure where we are
                raise Decline(f"<{name}> in a sheet")
            return m.start()
        elif not rest.rstrip().endswith("/"):
            depth += 1
    raise Decline("sheet not closed")


def untab(xml: str) -> str:
    """Sheet XML with tabSelected removed from its sheet views (only the list is selected)."""
    sec = section(xml, "sheetViews")
    if sec is not None:
        part = re.sub(r"\stabSelected\s*=\s*(\"[^\"]*\"|'[^']*')", "", xml[sec[0] : sec[3]])
        xml = xml[: sec[0]] + part + xml[sec[3] :]
    if "tabSelected" in xml[: xml.find("<sheetData")]:
        raise Decline("tabSelected outside a plain <sheetViews>")
    return xml


def grow_dimension(xml: str, refs: list[tuple[int, int]]) -> str:
    m = re.search(r'<dimension\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"\s*/>', xml)
    if m is None:
        return xml
    r1, c1 = cell_ref(m.group(1) + m.group(2))
    r2, c2 = cell_ref(m.group(3) + m.group(4)) if m.group(3) else (r1, c1)
    rows, cols = [r1, r2] + [r for r, _ in refs], [c1, c2] + [c for _, c in refs]
    ref = f"{letters(min(cols))}{min(rows)}:{letters(max(cols))}{max(rows)}"
    return xml[: m.start()] + f'<dimension ref="{ref}"/>' + xml[m.end() :]


def merged_ranges(xml: str) -> list[tuple[int, int, int, int]]:
    sec = section(xml, "mergeCells")
    out = []
    for a, b in children(xml, sec[1], sec[2], "mergeCell") if sec else []:
        parts = attrs(xml[a:b]).get("ref", "").split(":")
        (ra, ca), (rb, cb) = cell_ref(parts[0]), cell_ref(parts[-1])
        out.append((min(ra, rb), min(ca, cb), max(ra, rb), max(ca, cb)))
    return out


def patch_sheet(xml: str, cells: dict[str, str], style: StyleFor, legacy_rid: str) -> str:
    """A worksheet with `cells` ({coord: severity}) filled and a <legacyDrawing> added."""
    ra = attrs(root_tag(xml, "worksheet").group(0))
    if re.search(r"<legacyDrawing[\s/>]|<!--|<!\[CDATA\[", xml):
        raise Decline("sheet with a legacy drawing, XML comments or CDATA")
    targets: dict[int, dict[int, tuple[str, str]]] = {}
    for coord, sev in cells.items():
        r, c = cell_ref(coord)
        targets.setdefault(r, {})[c] = (coord, sev)
    opened = open_section(xml, "sheetData")
    if opened is None:
        raise Decline("sheet without <sheetData>")
    xml, b, c = opened
    xml = xml[:b] + patch_rows(xml[b:c], targets, style) + xml[c:]
    at = legacy_position(xml, xml.index("</sheetData>") + len("</sheetData>"))
    xml = xml[:at] + f'<legacyDrawing r:id="{legacy_rid}"/>' + xml[at:]
    xml = grow_dimension(xml, [cell_ref(k) for k in cells])
    if ra.get("xmlns:r", REL_NS) != REL_NS:
        raise Decline("sheet binds r: to something else")
    root = root_tag(xml, "worksheet")
    return xml[: root.start()] + set_attr(root.group(0), "xmlns:r", REL_NS) + xml[root.end() :]


# --------------------------------------------------------------------------- comments

VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
    '<o:idmap v:ext="edit" data="{data}"/></o:shapelayout><v:shapetype id="_x0000_t202"'
    ' coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke'
    ' joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
VML_NOTE = (
    '<v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
    'margin-top:1.5pt;width:320px;height:{height}px;z-index:{z};visibility:hidden"'
    ' fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t"'
    ' color="black" obscured="t"/><v:path o:connecttype="none"/><v:textbox'
    ' style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
    '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}'
    "</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column>"
    "</x:ClientData></v:shape>"
)


def comments_xml(notes: list[tuple[str, str]], author: str) -> str:
    """The comments part for `notes` ([(coord, cleaned text)]), in row then column order."""
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
    """The legacy drawing with one hidden Note shape per comment; (xml, id blocks used)."""
    blocks = len(notes) // 1024 + 1  # shape ids 1024*block+n, idmap lists the blocks
    shapes = []
    for n, (coord, text) in enumerate(notes, start=1):
        row, col = (x - 1 for x in cell_ref(coord))
        height = min(1000, max(80, 20 * (text.count("\n") + 2) + len(text) // 3))
        top = max(row - 1, 0)
        anchor = f"{col + 1}, 15, {top}, 10, {col + 5}, 15, {top + max(4, height // 20)}, 4"
        shapes.append(
            VML_NOTE.format(
                id=1024 * first_block + n, height=height, z=n, anchor=anchor, row=row, col=col
            )
        )
    data = ",".join(str(first_block + k) for k in range(blocks))
    return VML_HEAD.format(data=data) + "".join(shapes) + "</xml>", blocks


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

LIST_SHEET = (
    DECL + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetPr><pageSetUpPr fitToPage="1"/>'
    '</sheetPr><dimension ref="A1:E{last}"/><sheetViews><sheetView tabSelected="1"'
    ' workbookViewId="0"><pane ySplit="3" topLeftCell="A4" activePane="bottomLeft"'
    ' state="frozen"/><selection pane="bottomLeft" activeCell="A4" sqref="A4"/></sheetView>'
    '</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{rows}'
    '</sheetData>{links}<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75"'
    ' header="0.3" footer="0.3"/><pageSetup orientation="landscape" fitToWidth="1"'
    ' fitToHeight="0"/></worksheet>'
)
WIDTHS = (18, 8, 24, 80, 11)


def text_cell(ref: str, text: str, s: int) -> str:
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
    """The "to fix" sheet, laid out like feedback._list_sheet, every value as inline text."""
    heads = [fb._clean(w[k]) for k in ("sheet", "cell", "value", "message", "severity")]
    table = [(1, [fb._clean(w["to_fix_title"])], [xf["title"]]), (3, heads, [xf["head"]] * 5)]
    links = []
    order = sorted(range(len(problems)), key=lambda i: fb._severity_rank(problems[i]))
    for r, i in enumerate(order, start=4):
        p = problems[i]
        sheet, cell = located.get(i, (p.sheet, p.cell))
        sev = "error" if p.severity == "error" else "warning"
        values = [fb._clean(v) for v in (sheet, cell, p.value, p.message, w[sev])]
        link = "link" if i in located else "body"
        table.append((r, values, [xf["body"], xf[link], xf["body"], xf["body"], xf[sev]]))
        if i in located:
            where = esc_attr("'" + sheet.replace("'", "''") + f"'!{cell}")
            links.append(f'<hyperlink ref="B{r}" location="{where}" display="{esc_attr(cell)}"/>')
    if not problems:
        table.append((4, ["", "", "", fb._clean(w["no_problems"]), ""], [xf["body"]] * 5))
    rows = []
    for r, values, styles in table:
        lines = 1 if r < 4 else max(fb._lines(values[3], 80), fb._lines(values[2], 24))
        ht = f' ht="{15 * lines}" customHeight="1"' if lines > 1 else ""
        cols = zip("ABCDE"[: len(values)], values, styles, strict=True)
        cells = "".join(text_cell(f"{c}{r}", v, s) for c, v, s in cols)
        rows.append(f'<row r="{r}"{ht}>{cells}</row>')
    widths = enumerate(WIDTHS, start=1)
    return LIST_SHEET.format(
        last=table[-1][0],
        cols="".join(f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>' for n, w in widths),
        rows="".join(rows),
        links=f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "",
    )


# --------------------------------------------------------------------------- workbook


def patch_workbook(xml: str, title: str, sheet_id: int, rid: str) -> str:
    """workbook.xml with `title` as the first, active sheet, with its print titles."""
    sec = section(xml, "sheets")
    if sec is None or sec[1] == sec[2]:
        raise Decline("workbook without sheets")
    new = f'<sheet name="{esc_attr(title)}" sheetId="{sheet_id}" r:id="{rid}"/>'
    xml = xml[: sec[1]] + new + xml[sec[1] :]
    quoted = esc("'" + title.replace("'", "''") + "'")
    titles = f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{quoted}!$3:$3</definedName>'

    def shift(m: re.Match[str]) -> str:  # sheet-local names move one sheet right
        local = attrs(m.group(0)).get("localSheetId")
        if m.group(1) or m.group(2) != "definedName" or local is None:
            return m.group(0)
        return set_attr(m.group(0), "localSheetId", str(int(local) + 1))

    opened = open_section(xml, "definedNames")
    if opened is not None:
        xml, b, c = opened
        xml = xml[:b] + titles + _TAG.sub(shift, xml[b:c]) + xml[c:]
    else:  # schema order: sheets, functionGroups?, externalReferences?, definedNames?
        at = xml.index("</sheets>") + len("</sheets>")
        for name in ("functionGroups", "externalReferences"):
            at = max(at, (section(xml, name) or (0, 0, 0, 0))[3])
        xml = xml[:at] + f"<definedNames>{titles}</definedNames>" + xml[at:]

    def view(m: re.Match[str]) -> str:
        tag = set_attr(m.group(0), "activeTab", "0")
        return set_attr(tag, "firstSheet", "0") if "firstSheet" in attrs(tag) else tag

    return re.sub(r"<workbookView\b" + _Q + ">", view, xml)


def patch_content_types(xml: str, parts: list[tuple[str, str]], vml: bool) -> str:
    root = root_tag(xml, "Types", "http://schemas.openxmlformats.org/package/2006/content-types")
    tags = [attrs(m.group(0)) for m in _TAG.finditer(xml) if m.group(2) in ("Default", "Override")]
    known = {a.get("PartName", "").lower() for a in tags}
    main = [a.get("ContentType", "") for a in tags if a.get("PartName") == "/xl/workbook.xml"]
    if main != [CT + "spreadsheetml.sheet.main+xml"]:
        raise Decline("not a plain workbook (template, macros?)")
    if any(f"/{p}".lower() in known for p, _ in parts):
        raise Decline("content type already declared for a new part")
    add = ""
    if vml and "vml" not in {a.get("Extension", "").lower() for a in tags}:
        add += f'<Default Extension="vml" ContentType="{CT_VML}"/>'
    add += "".join(f'<Override PartName="/{p}" ContentType="{ct}"/>' for p, ct in parts)
    return xml[: root.end()] + add + xml[root.end() :]


# --------------------------------------------------------------------------- the copy


def write_fast_copy(
    source: Path, problems: Sequence[Problem], target: Path, language: str
) -> Path | None:
    """The annotated copy of an .xlsx made by patching its parts, or None (declined).

    The same content as `feedback.write_annotated_copy`'s openpyxl path. Declines (None,
    nothing written) whatever it does not handle with confidence; other failures raise.
    """
    source, target = Path(source), Path(target)
    if source.suffix.lower() != ".xlsx":
        return None
    if target.suffix.lower() != ".xlsx":
        target = target.with_suffix(".xlsx")
    with zipfile.ZipFile(source) as zf:
        try:
            pkg = Package(zf)
            annotate_package(pkg, problems, fb._words(language))
        except Decline as exc:
            log.info("fast annotation of %s declined: %s", source, exc)
            return None
        with atomic_path(target) as tmp:
            pkg.write(tmp)
    return target


def read_sheets(pkg: Package, wb_xml: str) -> tuple[list[tuple[str, str]], int, str]:
    """([(title, part)] in workbook order, the largest sheetId, the styles part)."""
    if attrs(root_tag(wb_xml, "workbook").group(0)).get("xmlns:r") != REL_NS:
        raise Decline("workbook without xmlns:r")
    rels = {r.get("Id"): r for r in pkg.rels("xl/_rels/workbook.xml.rels")}
    sec = section(wb_xml, "sheets")
    if sec is None or sec[1] == sec[2]:
        raise Decline("workbook without sheets")
    sheets, top = [], 0
    for m in _TAG.finditer(wb_xml, sec[1], sec[2]):
        if m.group(1):
            continue
        a = attrs(m.group(0))
        rel = rels.get(a.get("r:id")) or {}
        part = resolve("xl", rel.get("Target", ""))
        if m.group(2) != "sheet" or rel.get("Type") != RT_WORKSHEET or "name" not in a:
            raise Decline("a sheet that is not a plain worksheet")
        if rel.get("TargetMode") == "External" or not pkg.has(part):
            raise Decline(f"sheet part {part}")
        sheets.append((a["name"], pkg.names[part.lower()]))
        top = max(top, int(a.get("sheetId", "0")))
    styles = [
        resolve("xl", r.get("Target", "")) for r in rels.values() if r.get("Type") == RT_STYLES
    ]
    if len(styles) != 1 or not pkg.has(styles[0]):
        raise Decline("styles part")
    return sheets, top, pkg.names[styles[0].lower()]


def locate(
    pkg: Package, sheets: list[tuple[str, str]], problems: Sequence[Problem]
) -> tuple[dict[tuple[str, str], list[Problem]], dict[int, tuple[str, str]]]:
    """Problems grouped by (sheet title, cell) and where each one is, as _annotate finds them."""
    by_title = {t: (t, part) for t, part in sheets}
    by_folded = {t.casefold(): (t, part) for t, part in sheets}
    grouped: dict[tuple[str, str], list[Problem]] = {}
    located: dict[int, tuple[str, str]] = {}
    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    for i, p in enumerate(problems):
        hit = (by_title.get(p.sheet) or by_folded.get(p.sheet.casefold())) if p.sheet else None
        coord = fb._first_cell(p.cell)
        if hit is None or coord is None:
            continue
        row, col = cell_ref(coord)
        if hit[1] not in merges:
            merges[hit[1]] = merged_ranges(pkg.read(hit[1]))
        for r1, c1, r2, c2 in merges[hit[1]]:
            if r1 <= row <= r2 and c1 <= col <= c2:  # the merged range's top-left cell
                coord = f"{letters(c1)}{r1}"
                break
        grouped.setdefault((hit[0], coord), []).append(p)
        located[i] = (hit[0], coord)
    return grouped, located


def annotate_package(pkg: Package, problems: Sequence[Problem], w: dict[str, str]) -> None:
    """Patch `pkg` into the annotated copy (parts kept in pkg.changed / pkg.added)."""
    docs = [r for r in pkg.rels("_rels/.rels") if r.get("Type") == REL_NS + "/officeDocument"]
    if len(docs) != 1 or resolve("", docs[0].get("Target", "")) != "xl/workbook.xml":
        raise Decline("main part is not xl/workbook.xml")
    wb_xml = pkg.read("xl/workbook.xml")
    sheets, top_id, styles_part = read_sheets(pkg, wb_xml)
    grouped, located = locate(pkg, sheets, problems)
    styles = Styles(pkg.read(styles_part))
    overrides: list[tuple[str, str]] = []
    block = used_vml_blocks(pkg) + 1
    for title, part in sheets:
        cells = {k[1]: probs for k, probs in grouped.items() if k[0] == title}
        if cells:
            comments, used = annotate_sheet(pkg, part, cells, styles, w, block)
            overrides.append((comments, CT_COMMENTS))
            block += used
        elif "tabSelected" in pkg.head(part, "<sheetData"):
            pkg.put(part, untab(pkg.read(part)))
    xf = styles.list_xfs()
    names = SimpleNamespace(sheetnames=[t for t, _ in sheets])
    title = fb._unique_title(names, fb._sheet_title(w["to_fix"]))
    list_part = pkg.free_name("xl/worksheets/sheet{}.xml")
    pkg.put(list_part, list_sheet_xml(problems, located, w, xf))
    pkg.put(styles_part, styles.render())
    rid = add_rels(pkg, "xl/workbook.xml", [(RT_WORKSHEET, list_part)])[0]
    pkg.put("xl/workbook.xml", patch_workbook(wb_xml, title, top_id + 1, rid))
    ct_xml = pkg.read("[Content_Types].xml")
    parts = [(list_part, CT_SHEET), *overrides]
    pkg.put("[Content_Types].xml", patch_content_types(ct_xml, parts, bool(grouped)))


def annotate_sheet(
    pkg: Package, part: str, cells: dict[str, list[Problem]], styles: Styles, w: dict, block: int
) -> tuple[str, int]:
    """Fill and comment `cells` ({coord: problems}) of one sheet; (comments part, id blocks)."""
    if any(r.get("Type") in (RT_COMMENTS, RT_VML) for r in pkg.rels(rels_path(part))):
        raise Decline(f"{part} already has comments or a legacy drawing")
    severity = {
        k: "error" if any(p.severity == "error" for p in probs) else "warning"
        for k, probs in cells.items()
    }
    notes = [
        (k, fb._clean("\n".join(fb._comment_line(p, w) for p in probs), 30000))
        for k, probs in cells.items()
    ]
    comments = pkg.free_name("xl/comments{}.xml")
    pkg.put(comments, comments_xml(notes, w["author"]))
    vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
    vml, used = vml_xml(notes, block)
    pkg.put(vml_part, vml)
    ids = add_rels(pkg, part, [(RT_COMMENTS, comments), (RT_VML, vml_part)])
    pkg.put(part, untab(patch_sheet(pkg.read(part), severity, styles.fill_xf, ids[1])))
    return comments, used
