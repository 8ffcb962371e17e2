"""The annotated copy written by patching the xlsx package directly (the fast path).

`write_fast_copy` writes what `feedback._annotate` + openpyxl write. What it buys: openpyxl
reads every cell of the return into objects and writes the whole package again (and its
import alone is paid again in every worker process); here parts that need no change are
copied as they are; styles, workbook, the sheets with problem cells, rels and content types
are patched as text, and the comments, their VML drawing and the list sheet are new parts. Nothing is parsed into a tree and serialised again: that renames namespace
prefixes and breaks `mc:Ignorable`, which Excel reports as corruption. This module locates
the problems and patches the sheets; the package, rels, styles, workbook and content types are
in roundtrip.xlsx.parts, the new parts' templates in roundtrip.collect.annotate_parts.

Anything unusual declines (None) and `write_annotated_copy` falls back to openpyxl: not .xlsx,
chart or dialog sheets, a problem sheet that already has comments or a legacy drawing, rows or
cells without `r=`, prefixed or strict-OOXML roots, XML comments or CDATA in a patched sheet.

Text, limits and cells come from roundtrip.xlsx.text, as for every other writer. Golden files:
tests/test_golden_reports.py (the copy collect writes, part by part); the openpyxl path's
content is compared in tests/test_annotate_xml.py, its text in tests/test_annotated_text.py.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from roundtrip.collect import annotation as fb
from roundtrip.collect.annotate_parts import comments_xml, list_sheet_xml, used_vml_blocks, vml_xml
from roundtrip.errors import Problem
from roundtrip.workspace import atomic_path
from roundtrip.xlsx.parts import (
    CT_COMMENTS,
    CT_SHEET,
    REL_NS,
    RT_COMMENTS,
    RT_STYLES,
    RT_VML,
    RT_WORKSHEET,
    TAG,
    TAG_ATTRS,
    Decline,
    Package,
    Styles,
    add_rels,
    attrs,
    cell_ref,
    children,
    drop_attr,
    filled_section,
    open_section,
    open_tag,
    patch_content_types,
    patch_workbook,
    rels_path,
    resolve,
    root_tag,
    section,
    set_attr,
)
from roundtrip.xlsx.text import COMMENT_UNITS, blank_cell, column_letter

log = logging.getLogger(__name__)

# Worksheet children that come after <legacyDrawing> in the schema.
_AFTER = "legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst"
AFTER_LEGACY = set(_AFTER.split())

_ANY = re.compile(r"<!--.*?-->|<!\[CDATA\[|<\?.*?\?>|" + TAG.pattern, re.S)
_ROW = re.compile(r"<row\b(" + TAG_ATTRS + ")>")
_CELL = re.compile(r"<c\b(" + TAG_ATTRS + ")>")
_R = re.compile(r"""\sr\s*=\s*["']([^"']*)["']""")
_S = re.compile(r"""\ss\s*=\s*["']([0-9]*)["']""")

StyleFor = Callable[[int, str], int]  # (cell's style index, severity) -> new style index

# --------------------------------------------------------------------------- sheets


def _merge(
    text: str,
    elements: re.Pattern[str],
    what: str,
    key: Callable[[str], int],
    pending: list[int],
    insert: Callable[[int], str],
    patch: Callable[[re.Match[str], int], tuple[str, int]],
) -> str:
    """`text` with its `elements` (rows or cells, keys ascending) merged with the sorted target
    keys `pending`: a target without an element gets `insert(k)` in order, an element that is
    a target is replaced by `patch(match, k)` -> (new text, where the element ends)."""
    out, pos, i, last = [], 0, 0, 0
    for m in elements.finditer(text):
        if i >= len(pending):
            break
        ref = _R.search(m.group(1))
        if ref is None:
            raise Decline(f"{what} without r=")
        k = key(ref.group(1))
        if k <= last:
            raise Decline(f"{what}s out of order")
        last = k
        while i < len(pending) and pending[i] < k:
            out += [text[pos : m.start()], insert(pending[i])]
            pos, i = m.start(), i + 1
        if i < len(pending) and pending[i] == k:
            replacement, end = patch(m, k)
            out += [text[pos : m.start()], replacement]
            pos, i = end, i + 1
    out.append(text[pos:])
    out += [insert(k) for k in pending[i:]]
    return "".join(out)


def patch_cells(content: str, cols: dict[int, tuple[str, str]], style: StyleFor) -> str:
    """A row's content with the target cells' styles set; missing cells inserted in order."""
    if "extLst" in content:
        raise Decline("row with extLst")

    def new_cell(col: int) -> str:  # an empty cell with just the fill
        coord, sev = cols[col]
        return blank_cell(coord, f' s="{style(0, sev)}"')

    def styled(m: re.Match[str], col: int) -> tuple[str, int]:
        old = _S.search(m.group(1))
        s = style(int(old.group(1) or 0) if old else 0, cols[col][1])
        return set_attr(m.group(0), "s", str(s)), m.end()

    def column(ref: str) -> int:
        return cell_ref(ref)[1]

    return _merge(content, _CELL, "cell", column, sorted(cols), new_cell, styled)


def patch_rows(body: str, targets: dict[int, dict[int, tuple[str, str]]], style: StyleFor) -> str:
    """The content of <sheetData> with the target cells styled (rows and cells created)."""

    def new_row(r: int) -> str:
        return f'<row r="{r}">{patch_cells("", targets[r], style)}</row>'

    def patched_row(m: re.Match[str], r: int) -> tuple[str, int]:
        tag, content, end = m.group(0), "", m.end()
        if tag.endswith("/>"):
            tag = open_tag(tag)
        else:
            end = body.find("</row>", m.end())
            if end < 0:
                raise Decline("row not closed")
            content, end = body[m.end() : end], end + 6
        patched = patch_cells(content, targets[r], style)
        if len(_CELL.findall(patched)) != len(_CELL.findall(content)):  # new cells
            tag = drop_attr(tag, "spans")  # a stale hint
        return tag + patched + "</row>", end

    return _merge(body, _ROW, "row", int, sorted(targets), new_row, patched_row)


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
        part = drop_attr(xml[sec[0] : sec[3]], "tabSelected")
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
    ref = f"{column_letter(min(cols))}{min(rows)}:{column_letter(max(cols))}{max(rows)}"
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
            annotate_package(pkg, problems, fb.words(language))
        except Decline as exc:
            log.info("fast annotation of %s declined: %s", source, exc)
            return None
        with atomic_path(target) as tmp:
            pkg.write(tmp)
    return target


def r_on_root(wb_xml: str) -> str:
    """workbook.xml with the relationships prefix declared on its root, where it is declared
    only on each <sheet> (openpyxl writes it so when lxml is installed); else as it is."""
    root = root_tag(wb_xml, "workbook")
    if "xmlns:r" in attrs(root.group(0)):
        return wb_xml
    bound = set(re.findall(r"""\sxmlns:r\s*=\s*["']([^"']*)["']""", wb_xml))
    if bound != {REL_NS}:
        return wb_xml  # (read_sheets declines it)
    tag = set_attr(root.group(0), "xmlns:r", REL_NS)
    return wb_xml[: root.start()] + tag + wb_xml[root.end() :]


def read_sheets(pkg: Package, wb_xml: str) -> tuple[list[tuple[str, str]], int, str]:
    """([(title, part)] in workbook order, the largest sheetId, the styles part)."""
    if attrs(root_tag(wb_xml, "workbook").group(0)).get("xmlns:r") != REL_NS:
        raise Decline("workbook without xmlns:r")
    rels = {r.get("Id"): r for r in pkg.rels("xl/_rels/workbook.xml.rels")}
    sec = filled_section(wb_xml, "sheets", "workbook")
    sheets, top = [], 0
    for m in TAG.finditer(wb_xml, sec[1], sec[2]):
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
        coord = fb.first_cell(p.cell)
        if hit is None or coord is None:
            continue
        row, col = cell_ref(coord)
        if hit[1] not in merges:
            merges[hit[1]] = merged_ranges(pkg.read(hit[1]))
        for r1, c1, r2, c2 in merges[hit[1]]:
            if r1 <= row <= r2 and c1 <= col <= c2:  # the merged range's top-left cell
                coord = f"{column_letter(c1)}{r1}"
                break
        grouped.setdefault((hit[0], coord), []).append(p)
        located[i] = (hit[0], coord)
    return grouped, located


def annotate_package(pkg: Package, problems: Sequence[Problem], w: dict[str, str]) -> None:
    """Patch `pkg` into the annotated copy (parts kept in pkg.changed / pkg.added)."""
    docs = [r for r in pkg.rels("_rels/.rels") if r.get("Type") == REL_NS + "/officeDocument"]
    if len(docs) != 1 or resolve("", docs[0].get("Target", "")) != "xl/workbook.xml":
        raise Decline("main part is not xl/workbook.xml")
    wb_xml = r_on_root(pkg.read("xl/workbook.xml"))
    sheets, top_id, styles_part = read_sheets(pkg, wb_xml)
    grouped, located = locate(pkg, sheets, problems)
    styles = Styles(pkg.read(styles_part), {"error": fb.ERROR_FILL, "warning": fb.WARNING_FILL})
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
    title = fb.unique_title([t for t, _ in sheets], fb.sheet_title(w["to_fix"]))
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
        (k, fb.clean("\n".join(fb.comment_line(p, w) for p in probs), COMMENT_UNITS))
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
