"""The parts the annotated copy adds: cell comments, their VML drawing and the list sheet.

Written from templates as text (roundtrip.collect.annotate), with the same content as
feedback._annotate and feedback._list_sheet write through openpyxl.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from roundtrip.collect import annotation as fb
from roundtrip.errors import Problem
from roundtrip.xlsx.parts import (
    DECL,
    MAIN_NS,
    REL_NS,
    Package,
    cell_ref,
    esc,
    esc_attr,
    quote_sheet,
)
from roundtrip.xlsx.text import blank_cell, cell_text, string_cell

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
    """The comments part for `notes` ([(coord, cleaned text)]), in row then column order.
    Texts are written as xlsxwriter writes cell text (xlsx.text.cell_text: a literal
    "_xHHHH_" protected, a carriage return as _x000D_)."""
    items = "".join(
        f'<comment ref="{coord}" authorId="0"><text><t xml:space="preserve">{cell_text(text)}</t>'
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
        return blank_cell(ref, f' s="{s}"')
    return string_cell(ref, f' s="{s}"', text, preserve=True)


def list_sheet_xml(
    problems: Sequence[Problem],
    located: dict[int, tuple[str, str]],
    w: dict[str, str],
    xf: dict[str, int],
) -> str:
    """The "to fix" sheet, laid out like feedback._list_sheet, every value as inline text."""
    heads = [fb.clean(w[k]) for k in ("sheet", "cell", "value", "message", "severity")]
    table = [(1, [fb.clean(w["to_fix_title"])], [xf["title"]]), (3, heads, [xf["head"]] * 5)]
    links = []
    order = sorted(range(len(problems)), key=lambda i: fb.severity_rank(problems[i]))
    for r, i in enumerate(order, start=4):
        p = problems[i]
        sheet, cell = located.get(i, (p.sheet, p.cell))
        sev = "error" if p.severity == "error" else "warning"
        values = [fb.clean(v) for v in (sheet, cell, p.value, p.message, w[sev])]
        link = "link" if i in located else "body"
        table.append((r, values, [xf["body"], xf[link], xf["body"], xf["body"], xf[sev]]))
        if i in located:
            where = esc_attr(f"{quote_sheet(sheet)}!{cell}")
            links.append(f'<hyperlink ref="B{r}" location="{where}" display="{esc_attr(cell)}"/>')
    if not problems:
        table.append((4, ["", "", "", fb.clean(w["no_problems"]), ""], [xf["body"]] * 5))
    rows = []
    for r, values, styles in table:
        lines = (
            1 if r < 4 else max(fb.wrapped_lines(values[3], 80), fb.wrapped_lines(values[2], 24))
        )
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
