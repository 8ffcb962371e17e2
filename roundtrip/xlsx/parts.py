"""The xlsx package as text: parts, relationships, styles, workbook and content types.

Helpers for patching OOXML parts as text (roundtrip.collect.annotate): nothing is parsed into a
tree and serialised again, which would rename namespace prefixes and break `mc:Ignorable`.
`Package` reads the source zip once and keeps patched and new parts apart; `Styles` appends
fills, fonts and cell formats to styles.xml; `patch_workbook` inserts the list sheet first and
shifts sheet-local defined names; `patch_content_types` declares the new parts. Anything
unexpected raises `Decline`: the caller falls back to openpyxl.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

from roundtrip.xlsx.text import column_index, quote_sheet
from roundtrip.xlsx.text import xml_attr as esc_attr
from roundtrip.xlsx.text import xml_escape as esc
from roundtrip.xlsx.zip_copy import ZipCopy, copyable

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

TAG_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""  # a tag's attributes ('>' allowed inside quotes)
TAG = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)(" + TAG_ATTRS + ")>")
_ATTR = re.compile(r"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


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


def attrs(tag: str) -> dict[str, str]:
    """The attributes of a start tag `<x a="1" b='2'>` (values unescaped)."""
    return {m[1]: _unescape(m[2] if m[2] is not None else m[3]) for m in _ATTR.finditer(tag)}


def _attr_re(name: str) -> re.Pattern[str]:
    """` name="value"` (or single quotes): group 1 up to the value, group 2 the value."""
    return re.compile(r"(\s" + re.escape(name) + r"\s*=\s*)(\"[^\"]*\"|'[^']*')")


def drop_attr(xml: str, name: str) -> str:
    """`xml` with every `name="..."` attribute removed."""
    return _attr_re(name).sub("", xml)


def set_attr(tag: str, name: str, value: str) -> str:
    """Start tag `tag` with attribute `name` set to `value` (added at the end when new)."""
    pat = _attr_re(name)
    new = f'"{esc_attr(value)}"'
    if pat.search(tag):
        return pat.sub(lambda m: m.group(1) + new, tag, count=1)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:end].rstrip()} {name}={new}{tag[end:]}"


def open_tag(tag: str) -> str:
    """A self-closing start tag `<x a="1"/>` as an opening one `<x a="1">`."""
    return tag[:-2].rstrip() + ">"


def root_tag(xml: str, name: str, ns: str = MAIN_NS) -> re.Match[str]:
    """The root start tag, which must be `name` in default namespace `ns` (not prefixed)."""
    m = TAG.search(xml)
    if m is None or m.group(1) or m.group(2) != name or attrs(m.group(0)).get("xmlns") != ns:
        raise Decline(f"root is not <{name} xmlns={ns}>")
    return m


def section(xml: str, name: str, start: int = 0) -> tuple[int, int, int, int] | None:
    """(open start, open end, close start, close end) of the first `<name>` element.

    A self-closing `<name/>` gives open end == close start == close end. None when absent.
    """
    m = re.compile(r"<" + name + r"\b(" + TAG_ATTRS + ")>").search(xml, start)
    if m is None:
        return None
    if m.group(1).rstrip().endswith("/"):
        return m.start(), m.end(), m.end(), m.end()
    close = xml.find(f"</{name}>", m.end())
    if close < 0:
        raise Decline(f"<{name}> not closed")
    return m.start(), m.end(), close, close + len(name) + 3


def filled_section(xml: str, name: str, what: str) -> tuple[int, int, int, int]:
    """`section(xml, name)`, which must be there and not empty (else Decline)."""
    sec = section(xml, name)
    if sec is None or sec[1] == sec[2]:
        raise Decline(f"{what} without <{name}>")
    return sec


def open_section(xml: str, name: str) -> tuple[str, int, int] | None:
    """(xml, content start, content end) of `<name>`; a self-closing one is opened first."""
    sec = section(xml, name)
    if sec is None:
        return None
    a, b, c, _d = sec
    if b == c and xml[a:b].endswith("/>"):
        head = open_tag(xml[a:b])
        return xml[:a] + head + f"</{name}>" + xml[b:], a + len(head), a + len(head)
    return xml, b, c


def children(xml: str, start: int, end: int, name: str) -> list[tuple[int, int]]:
    """Spans of the `<name>` elements between start and end (not nested in each other)."""
    out, pos = [], start
    while m := TAG.search(xml, pos, end):
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
    return int(m.group(2)), column_index(m.group(1))


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
        return [attrs(m.group(0)) for m in TAG.finditer(xml) if m.group(2) == "Relationship"]

    def write(self, target: Path) -> None:
        """The package with its changes. Untouched parts are copied compressed as they are
        (zip_copy: the source was checked by safety.check_file); changed and new parts are
        deflated at level 1 (a feedback copy is read once: level 1 is much faster than the
        default, for files a few per cent larger)."""
        source = self.zf.fp
        assert source is not None  # (the package's zip is open while it is patched)
        with open(target, "wb") as fh:
            out = ZipCopy(fh)
            for info in self.zf.infolist():
                text = self.changed.get(info.filename)
                if text is None and copyable(info):
                    out.copy(source, info)
                    continue
                data = self.zf.read(info) if text is None else text.encode("utf-8")
                deflate = info.compress_type != zipfile.ZIP_STORED
                out.add(info.filename, data, info.date_time, info.external_attr, deflate=deflate)
            for name, text in self.added.items():
                out.add(name, text.encode("utf-8"), FIXED_TIME)
            out.close()


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

    def __init__(self, xml: str, fills: Mapping[str, str]) -> None:
        """`fills`: name -> RGB of the solid fills to add (fill_xf's `severity`)."""
        root_tag(xml, "styleSheet")
        self.xml = xml
        self.secs: dict[str, tuple[int, int, int, int]] = {}
        self.items: dict[str, list[tuple[int, int]]] = {}
        for kind in ("cellStyleXfs", *self.KINDS):
            self.secs[kind] = filled_section(xml, kind, "styles")
        for kind, child in self.KINDS.items():
            self.items[kind] = children(xml, self.secs[kind][1], self.secs[kind][2], child)
            if not self.items[kind]:
                raise Decline(f"empty <{kind}>")
        self.new: dict[str, list[str]] = {kind: [] for kind in self.KINDS}
        fill = '<fill><patternFill patternType="solid"><fgColor rgb="FF{0}"/><bgColor rgb="FF{0}"/>'
        self.fill_ids = {
            name: self.add("fills", fill.format(rgb) + "</patternFill></fill>")
            for name, rgb in fills.items()
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
            head = TAG.match(self.xml, a)
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
    m = TAG.match(base)
    inner = ""
    if m is not None and not m.group(3).rstrip().endswith("/"):
        inner = base[m.end() : base.rfind("</font>")]
    names = "|".join(replaced)
    inner = re.sub(r"<(" + names + r")\b" + TAG_ATTRS + "/>", "", inner)
    if re.search(r"<(" + names + r")\b", inner):  # an unexpected form: only what we need
        inner = ""
    return f"<font>{extra}{inner}</font>"


# --------------------------------------------------------------------------- workbook


def patch_workbook(xml: str, title: str, sheet_id: int, rid: str) -> str:
    """workbook.xml with `title` as the first, active sheet, with its print titles."""
    sec = filled_section(xml, "sheets", "workbook")
    new = f'<sheet name="{esc_attr(title)}" sheetId="{sheet_id}" r:id="{rid}"/>'
    xml = xml[: sec[1]] + new + xml[sec[1] :]
    quoted = esc(quote_sheet(title))
    titles = f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{quoted}!$3:$3</definedName>'

    def shift(m: re.Match[str]) -> str:  # sheet-local names move one sheet right
        local = attrs(m.group(0)).get("localSheetId")
        if m.group(1) or m.group(2) != "definedName" or local is None:
            return m.group(0)
        return set_attr(m.group(0), "localSheetId", str(int(local) + 1))

    opened = open_section(xml, "definedNames")
    if opened is not None:
        xml, b, c = opened
        xml = xml[:b] + titles + TAG.sub(shift, xml[b:c]) + xml[c:]
    else:  # schema order: sheets, functionGroups?, externalReferences?, definedNames?
        at = xml.index("</sheets>") + len("</sheets>")
        for name in ("functionGroups", "externalReferences"):
            at = max(at, (section(xml, name) or (0, 0, 0, 0))[3])
        xml = xml[:at] + f"<definedNames>{titles}</definedNames>" + xml[at:]

    def view(m: re.Match[str]) -> str:
        tag = set_attr(m.group(0), "activeTab", "0")
        return set_attr(tag, "firstSheet", "0") if "firstSheet" in attrs(tag) else tag

    return re.sub(r"<workbookView\b" + TAG_ATTRS + ">", view, xml)


def patch_content_types(xml: str, parts: list[tuple[str, str]], vml: bool) -> str:
    root = root_tag(xml, "Types", "http://schemas.openxmlformats.org/package/2006/content-types")
    tags = [attrs(m.group(0)) for m in TAG.finditer(xml) if m.group(2) in ("Default", "Override")]
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
