"""Text and references as OOXML holds them: the one place every xlsx writer takes them from.

Shared by the hand-written writers (stream: big registers; bulk: the summary's big row
blocks; the xlsxwriter short cuts in xlsxwriter_private) and the annotated copy (parts,
collect.annotate, and collect.feedback's openpyxl fallback), so a text is stored the same
whichever writer the size of the output picked, and the same as xlsxwriter stores it:

* Excel's limits (`MAX_ROWS`, `MAX_COLS`, `MAX_CELL_UNITS`, `MAX_SHEET_NAME`...); a text is
  cut at 32,767 UTF-16 units (as Excel counts), never inside a surrogate pair (`fit`);
* `cell_text`: the content of a <t> element. &, <, > escaped; control characters (tab and
  line feed excepted) and U+FFFE/U+FFFF, which XML cannot hold, written as Excel's own escape
  _xHHHH_ (Excel shows the very character); a literal "_xHHHH_" protected as _x005F_xHHHH_
  (Excel would decode it); a lone surrogate (no UTF-8 for it) becomes U+FFFD;
* `legal`: text for a library that refuses what XML 1.0 cannot hold (openpyxl): every such
  character replaced by U+FFFD, and cut to the limit; `protected`: its literal "_xHHHH_"
  protected, for a library that escapes only XML's own characters (openpyxl again);
* `string_cell` / `number_cell` / `blank_cell`: the one cell writer, a cell's XML as
  xlsxwriter writes it. The hot loops that write millions of cells (bulk.row_xml,
  stream.StreamSheet, xlsxwriter_private.Sheet) spell the same XML inline, one f-string per
  cell, and are tested to write the same bytes (tests/test_xlsx_text.py, test_returnbook.py);
* `xml_escape` / `xml_attr`: plain XML escaping of element content and attribute values that
  are not cell text (formulas, sheet names in workbook.xml);
* `column_letter` / `column_index`: 1 <-> A, 28 <-> AB (and `LETTERS` for hot loops);
  `quote_sheet`: a sheet title as a formula quotes it.

Text is always written as text: nothing here makes a formula, a number or a link of it.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------- Excel's limits

MAX_ROWS = 1_048_576  # rows per worksheet
MAX_COLS = 16_384  # columns per worksheet (A..XFD)
MAX_CELL_UNITS = 32_767  # characters per cell, counted in UTF-16 code units (as Excel does)
SAFE_LENGTH = MAX_CELL_UNITS // 2  # a str no longer than this is within MAX_CELL_UNITS
MAX_SHEET_NAME = 31  # characters in a sheet name
COMMENT_UNITS = 30_000  # what an annotated copy's cell note holds (Excel's own limit is 32,767)

# --------------------------------------------------------------------------- characters

# What XML 1.0 cannot hold (tab, line feed and carriage return it can), as a class body.
ILLEGAL = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
# What cell_text writes as _xHHHH_, as xlsxwriter does (carriage return too: XML would read it
# as a line feed), and the lone surrogates it replaces: a character class body, for writers
# that test whole rows at once (bulk, stream).
CONTROL = "\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff"
LOOKALIKE = "_x[0-9A-Fa-f]{4}_"
_ILLEGAL = re.compile(f"[{ILLEGAL}]")
_ESCAPED = re.compile(f"[{CONTROL}]|{LOOKALIKE}")
# Anything cell_text changes: most texts need nothing (the caller may then write them as is).
SPECIAL = re.compile(f"[&<>{CONTROL}]|{LOOKALIKE}")
_SPECIAL_CHAR = re.compile(f"[&<>{CONTROL}]")
_LOOKALIKE = re.compile(LOOKALIKE)


def is_special(text: str) -> bool:
    """SPECIAL.search(text), in two cheap pieces (the alternation scans slower). Texts
    joined by "|" may be tested at once (no match can span a "|")."""
    return _SPECIAL_CHAR.search(text) is not None or (
        "_x" in text and _LOOKALIKE.search(text) is not None
    )


def _excel_escape(m: re.Match[str]) -> str:
    s = m.group(0)
    if len(s) == 1:
        if "\ud800" <= s <= "\udfff":
            return "\ufffd"  # a lone surrogate: no UTF-8 (nor _xHHHH_ Excel reads) for it
        return f"_x{ord(s):04X}_"
    return "_x005F" + s  # a literal "_xHHHH_" must not be read as an escape


def fit(text: str, limit: int = MAX_CELL_UNITS) -> str:
    """`text` cut to `limit` UTF-16 units (Excel's cell limit), never inside a surrogate pair."""
    if len(text) <= limit // 2:
        return text
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) <= 2 * limit:
        return text
    end = 2 * limit
    if 0xD8 <= units[end - 1] <= 0xDB and 0xDC <= units[end + 1] <= 0xDF:
        end -= 2  # the cut would split a pair: keep neither half
    return units[:end].decode("utf-16-le", "surrogatepass")


def cell_text(text: str) -> str:
    """`text` as the escaped content of a <t> element (see the module's docstring)."""
    text = fit(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if _ESCAPED.search(text):
        text = _ESCAPED.sub(_excel_escape, text)
    return text


def legal(value: object, limit: int = MAX_CELL_UNITS) -> str:
    """`value` as text any XML writer can store (openpyxl refuses control characters and
    writes U+FFFE raw): what XML 1.0 cannot hold replaced by U+FFFD, cut to `limit` UTF-16
    units. Not escaped: for the XML, `cell_text` of it."""
    text = "" if value is None else str(value)
    return fit(_ILLEGAL.sub("\ufffd", text), limit)


def protected(text: str) -> str:
    """`text` with each literal "_xHHHH_" protected as "_x005F_xHHHH_", as cell_text does it:
    for a writer that escapes only XML's own characters (openpyxl), so that Excel shows the
    literal text rather than decoding it."""
    return _LOOKALIKE.sub(r"_x005F\g<0>", text) if "_x" in text else text


def xml_escape(s: str) -> str:
    """`s` as XML element content that is not cell text (a formula, say): &, <, > escaped, and
    a carriage return kept as one (XML reads a raw one as a line feed)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def xml_attr(s: str) -> str:
    """`s` as a double-quoted attribute value (its line breaks and tabs kept)."""
    return xml_escape(s).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


# --------------------------------------------------------------------------- cells


def string_cell(ref: str, style: str, text: str, preserve: bool | None = None) -> str:
    """An inline-string cell: `text` by cell_text (always text, never a formula), in a <t>
    with xml:space="preserve" always (True) or where xlsxwriter puts it, when the text starts
    or ends with white space (None). `style` is the attribute (' s="3"') or ""."""
    text = cell_text(text)
    if preserve is None:
        preserve = text[:1].isspace() or text[-1:].isspace()
    space = ' xml:space="preserve"' if preserve else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def number_cell(ref: str, style: str, value: float) -> str:
    """A number cell, the number as xlsxwriter writes it ("%.16G": 3, not 3.0)."""
    return f'<c r="{ref}"{style}><v>{value:.16G}</v></c>'


def blank_cell(ref: str, style: str) -> str:
    """A cell with a format and no value."""
    return f'<c r="{ref}"{style}/>'


# --------------------------------------------------------------------------- cell references


def quote_sheet(title: str) -> str:
    """A sheet title as a formula reference quotes it: `'It''s'` (not XML-escaped)."""
    return "'" + title.replace("'", "''") + "'"


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


LETTERS = tuple(_letters(c + 1) for c in range(702))  # LETTERS[c]: 0-based column c, A..ZZ


def column_letter(n: int) -> str:
    """The letters of 1-based column `n`: 1 -> A, 26 -> Z, 27 -> AA ("" for 0)."""
    return LETTERS[n - 1] if 0 < n <= 702 else _letters(n)


def column_index(letters: str) -> int:
    """The 1-based column of `letters`: A -> 1, AB -> 28 (either case)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n
