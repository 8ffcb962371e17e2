"""Validate every part of an .xlsx against the ECMA-376 Transitional schemas (a test helper).

`validate_xlsx(path)` returns "part: line: message" strings, empty for a valid package. Each
XML part must be well-formed (a raw U+FFFE or control character already fails here) and valid
against the schema its content type in [Content_Types].xml names, with the root element that
content type implies. Before validating, as an Office application reads a part (see
tests/ooxml_xsd/README.md): markup compatibility is applied (what `mc:Ignorable` names is
dropped, `mc:AlternateContent` becomes its first understood Choice or its Fallback), `xml:space`
is stripped from `<t>` (Excel writes it, sml.xsd does not allow it), so is
`dateCompatibility` on `<workbookPr>` (Office reads it, LibreOffice writes it, the 2008 schema
lacks it), and the `ext` children of
every `extLst` are removed (their content is lax). Legacy VML drawings (comments) are validated
shape by shape against vml-driver.xsd. A part with an unknown content type is reported, and
so is a part with none; binary parts (images, VBA, printer settings) are skipped.

The schemas are compiled once per process (that takes a few seconds) and kept.
"""

from __future__ import annotations

import copy
import functools
import posixpath
import zipfile
from pathlib import Path

from lxml import etree

XSD_DIR = Path(__file__).parent / "ooxml_xsd"

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DML = "http://schemas.openxmlformats.org/drawingml/2006/main"
CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
EXT_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CUSTOM_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"

_OXD = "application/vnd.openxmlformats-officedocument."
_SML_CT = _OXD + "spreadsheetml."

# content type -> (schema file, expected root element)
SCHEMAS: dict[str, tuple[str, str]] = {
    _SML_CT + "sheet.main+xml": ("sml.xsd", f"{{{SML}}}workbook"),
    _SML_CT + "template.main+xml": ("sml.xsd", f"{{{SML}}}workbook"),
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": ("sml.xsd", f"{{{SML}}}workbook"),
    "application/vnd.ms-excel.template.macroEnabled.main+xml": ("sml.xsd", f"{{{SML}}}workbook"),
    _SML_CT + "worksheet+xml": ("sml.xsd", f"{{{SML}}}worksheet"),
    _SML_CT + "chartsheet+xml": ("sml.xsd", f"{{{SML}}}chartsheet"),
    _SML_CT + "styles+xml": ("sml.xsd", f"{{{SML}}}styleSheet"),
    _SML_CT + "sharedStrings+xml": ("sml.xsd", f"{{{SML}}}sst"),
    _SML_CT + "comments+xml": ("sml.xsd", f"{{{SML}}}comments"),
    _SML_CT + "table+xml": ("sml.xsd", f"{{{SML}}}table"),
    _SML_CT + "calcChain+xml": ("sml.xsd", f"{{{SML}}}calcChain"),
    _OXD + "drawing+xml": ("dml-spreadsheetDrawing.xsd", f"{{{XDR}}}wsDr"),
    _OXD + "drawingml.chart+xml": ("dml-chart.xsd", f"{{{CHART}}}chartSpace"),
    _OXD + "theme+xml": ("dml-main.xsd", f"{{{DML}}}theme"),
    "application/vnd.openxmlformats-package.core-properties+xml": (
        "opc-coreProperties.xsd",
        f"{{{CORE}}}coreProperties",
    ),
    _OXD + "extended-properties+xml": (
        "shared-documentPropertiesExtended.xsd",
        f"{{{EXT_PROPS}}}Properties",
    ),
    _OXD + "custom-properties+xml": (
        "shared-documentPropertiesCustom.xsd",
        f"{{{CUSTOM_PROPS}}}Properties",
    ),
    "application/vnd.openxmlformats-package.relationships+xml": (
        "opc-relationships.xsd",
        f"{{{PKG_RELS}}}Relationships",
    ),
}
CONTENT_TYPES_SCHEMA = ("opc-contentTypes.xsd", f"{{{CT_NS}}}Types")
VML = _OXD + "vmlDrawing"
BINARY = (
    "image/",
    "application/vnd.ms-office.vbaProject",
    _SML_CT + "printerSettings",
    _OXD + "oleObject",
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    """The compiled schema `name` (compiling sml.xsd takes seconds: once per process)."""
    return etree.XMLSchema(etree.parse(str(XSD_DIR / name)))


@functools.cache
def _understood() -> frozenset[str]:
    """The namespaces the vendored schemas define (what an application 'understands')."""
    out = set()
    for xsd in XSD_DIR.glob("*.xsd"):
        ns = etree.parse(str(xsd)).getroot().get("targetNamespace")
        if ns and not ns.startswith("urn:local:"):
            out.add(ns)
    return frozenset(out)


def _prefixes(element: etree._Element, value: str | None) -> set[str]:
    """The namespaces named by a space-separated list of prefixes, in `element`'s scope."""
    nsmap = element.nsmap
    return {nsmap[p] for p in (value or "").split() if p in nsmap}


def _markup_compatibility(root: etree._Element) -> None:
    """Apply ECMA-376 Part 3 as a consumer that understands only the schemas' namespaces."""
    understood = _understood()
    ignore_attr = f"{{{MC}}}Ignorable"
    # mc:AlternateContent: replace by the content of the first understood Choice, else Fallback.
    for alt in list(root.iter(f"{{{MC}}}AlternateContent")):
        chosen = None
        for branch in alt:
            if branch.tag == f"{{{MC}}}Choice":
                required = (branch.get("Requires") or "").split()
                names = [branch.nsmap.get(p) for p in required]
                if required and all(ns in understood for ns in names):
                    chosen = branch
                    break
            elif branch.tag == f"{{{MC}}}Fallback":
                chosen = branch
                break
        parent = alt.getparent()
        at = parent.index(alt)
        for child in list(chosen if chosen is not None else ()):
            parent.insert(at, child)
            at += 1
        _drop(alt)
    # mc:Ignorable: drop the elements and attributes of the namespaces it names.
    ignored: set[str] = set()
    for el in root.iter():
        if isinstance(el.tag, str) and el.get(ignore_attr) is not None:
            ignored |= _prefixes(el, el.get(ignore_attr)) - understood
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if etree.QName(el).namespace in ignored and el is not root:
            _drop(el)
            continue
        for name in list(el.attrib):
            ns = etree.QName(name).namespace
            if ns in ignored or ns == MC:
                del el.attrib[name]


def _drop(el: etree._Element) -> None:
    """Remove `el`, keeping the tail text in place (whitespace between elements)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _lax(root: etree._Element) -> None:
    """What the schemas leave open: extLst content, xml:space on SpreadsheetML <t>, and
    workbookPr's dateCompatibility, which the 2008 schema lacks."""
    for ext_list in list(root.iter("{*}extLst")):
        for ext in list(ext_list):
            _drop(ext)
    space = f"{{{XML_NS}}}space"
    for t in root.iter(f"{{{SML}}}t"):
        t.attrib.pop(space, None)
    # workbookPr/@dateCompatibility: in ECMA-376's first edition and in what Office 2010 reads
    # ([MS-OI29500] 2.1.585), not in the ISO/IEC 29500:2008 schema vendored here; LibreOffice
    # 7.4 writes it when its Writer module is installed too.
    for pr in root.iter(f"{{{SML}}}workbookPr"):
        pr.attrib.pop("dateCompatibility", None)


def _errors(part: str, schema: etree.XMLSchema, tree: etree._Element) -> list[str]:
    if schema.validate(tree):
        return []
    return [f"{part}: {e.line}: {e.message}" for e in schema.error_log]


def _content_types(zf: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """(extension -> content type, /part name -> content type) from [Content_Types].xml."""
    root = etree.fromstring(zf.read("[Content_Types].xml"), _PARSER)
    defaults = {
        d.get("Extension", "").lower(): d.get("ContentType", "")
        for d in root.iter(f"{{{CT_NS}}}Default")
    }
    overrides = {
        o.get("PartName", "").lower(): o.get("ContentType", "")
        for o in root.iter(f"{{{CT_NS}}}Override")
    }
    return defaults, overrides


def content_type(name: str, defaults: dict[str, str], overrides: dict[str, str]) -> str | None:
    """The content type of the part at zip member `name` (None: the package gives none)."""
    found = overrides.get("/" + name.lower())
    if found is None:
        base = posixpath.basename(name)  # "_rels/.rels" has the extension "rels"
        found = defaults.get(base.rsplit(".", 1)[1].lower()) if "." in base else None
    return found


def validate_part(part: str, data: bytes, ctype: str | None) -> list[str]:
    """The problems of one part (its bytes, its content type)."""
    if ctype is not None and ctype.startswith(BINARY):
        return []
    if ctype is None:
        return [f"{part}: 0: no content type in [Content_Types].xml"]
    if ctype != VML and ctype not in SCHEMAS and part != "[Content_Types].xml":
        return [f"{part}: 0: unknown content type {ctype!r}: no schema to validate it"]
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return [f"{part}: {exc.lineno}: not well-formed XML: {exc.msg}"]
    _markup_compatibility(root)
    _lax(root)
    if ctype == VML:
        return _validate_vml(part, root)
    schema_file, expected = (
        CONTENT_TYPES_SCHEMA if part == "[Content_Types].xml" else SCHEMAS[ctype]
    )
    if root.tag != expected:
        return [f"{part}: {root.sourceline}: root is {root.tag}, {ctype} needs {expected}"]
    return _errors(part, _schema(schema_file), root)


def _validate_vml(part: str, root: etree._Element) -> list[str]:
    """A legacy VML drawing: a bare <xml> root whose shapes are validated one by one."""
    out = []
    if root.tag != "xml":
        out.append(f"{part}: {root.sourceline}: VML root is {root.tag}, not <xml>")
    schema = _schema("vml-driver.xsd")
    for shape in root:
        if not isinstance(shape.tag, str):
            continue
        out += _errors(part, schema, copy.deepcopy(shape))
    return out


def validate_xlsx(path: str | Path) -> list[str]:
    """Every schema problem of the package at `path`, as "part: line: message"."""
    out: list[str] = []
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        if "[Content_Types].xml" not in names:
            return ["[Content_Types].xml: 0: missing"]
        try:
            defaults, overrides = _content_types(zf)
        except etree.XMLSyntaxError as exc:
            return [f"[Content_Types].xml: {exc.lineno}: not well-formed XML: {exc.msg}"]
        for name in names:
            ctype = (
                "application/xml"
                if name == "[Content_Types].xml"
                else content_type(name, defaults, overrides)
            )
            out += validate_part(name, zf.read(name), ctype)
    return out
