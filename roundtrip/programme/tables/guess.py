"""The guesses an import makes from a cell's words: department ids, the parties of a cell,
an action's number, the metrics of a cell and their kinds. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from roundtrip.programme.schedule import read_schedule

KNOWN_DEPARTMENTS = {
    "yritys- ja elinkeinopalvelut": "YEP",
    "hallintotoimisto": "HAL",
    "sivistystoimi": "SIV",
    "kulttuuritoimi": "KUL",
    "vapaa-aikatoimi": "VAP",
    "tekninen toimi": "TEK",
    "elinvoimatyöryhmä": "EVT",
    "muu, mikä?": "MUU",
    "muu": "MUU",
}
YEAR_RANGE = re.compile(r"\b(20\d\d)\s*[-–]\s*(20\d\d)\b")
CAPITAL_SPLIT = re.compile(r"(?<=[a-zåäöü.]) (?=[A-ZÅÄÖ][a-zåäö])")
# A list item's mark at the start of a line: a bullet, a dash, or a number ("1.", "2)").
ITEM_MARK = re.compile(r"^\s*(?:[•◦▪●‣∙·*–—-]|\(?\d{1,2}[.)])\s+")
INLINE_NUMBERS = re.compile(r"(?:^|\s)\(?\d{1,2}\)\s+")
# An action's own number at the start of its text: "1. ", "12) ", "3.1 ", "3.1. ".
ACTION_NUMBER = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)(?:[.)]\s+|\s+(?=\D))(?=\S)")
NUMBER_CELL = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)\s*[.)]?\s*$")
# A party marked as the lead: "Sivistystoimi (vetäjä)", "(lead)", "(ansvarig)".
LEAD_MARK = re.compile(
    r"\s*[(\[]\s*(?:vetäjä|vetovastuu|päävastuu|vastuu|koordinoi|koordinaattori|pää|lead|"
    r"leading|main|coordinator|ansvarig|huvudansvar|samordnare)\s*[)\]]\s*|\s*\*\s*$",
    re.I,
)
PARTY_SPLIT = re.compile(r"\s*(?:\n|;|,|/|•)\s*")
AND_SPLIT = re.compile(r"(?<![-‐])\s+(?:ja|sekä|och|samt|and|&)\s+", re.I)
# "ja"/"och"/"and" joins two parties only when both read as one ("Sivistystoimi ja tekninen
# toimi"); "Education and culture" is one department's name.
UNIT_WORD = re.compile(
    r"(?:toimi|toimiala|palvelut|keskus|yksikkö|hallitus|lautakunta|valtuusto|toimisto|"
    r"osasto|laitos|kunta|yhtiö|förvaltning(?:en)?|enhet(?:en)?|styrelse(?:n)?|nämnd(?:en)?|"
    r"kontor(?:et)?|avdelning(?:en)?|department|services|office|council|board|unit|"
    r"division|committee|team)$",
    re.I,
)
COUNT_WORDS = ("lukumäärä", "määrä", "number of", "count", "antal", "antalet")
PERCENT_WORDS = ("prosentti", "osuus", "percent", "share of", "andel", "procent")
YESNO_WORDS = (
    "toteutuminen",
    "toteutunut prosessi",
    "valmistuminen",
    "implemented",
    "completion",
    "genomförd",
    "genomförande",
)


def ascii_of(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def sentence_case(text: str) -> str:
    """`KUNNAN JA YRITYSTEN` -> `Kunnan ja yritysten` (only when the text is all capitals)."""
    text = " ".join(text.split())
    if text and text == text.upper() and any(c.isalpha() for c in text):
        return text[:1] + text[1:].lower()
    return text


def department_id(name: str, taken: Iterable[str] = ()) -> str:
    """A short, stable, uppercase id for a department name (known names, else initials)."""
    taken = set(taken)
    known = KNOWN_DEPARTMENTS.get(" ".join(name.lower().split()))
    if known and known not in taken:
        return known
    words = [w for w in re.split(r"[^A-Za-z0-9]+", ascii_of(name).upper()) if w]
    if not words:
        base = "DEP"
    elif len(words) == 1:
        base = words[0][:3]
    else:
        base = "".join(w[0] for w in words)[:4]
        if len(base) < 3:
            base = (base + words[-1][1:])[:3]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_of(text).lower()).strip("-") or "programme"


def looks_like_schedule(text: str) -> bool:
    """Whether a metric cell's words are a schedule (``Ohjelmakaudella 2023-2026``,
    ``Koko ajan``): whatever schedule.read_schedule makes something of."""
    return bool(read_schedule(text).how)


def parties(text: str) -> tuple[list[str], bool]:
    """The parties one cell names, the lead first, and whether the cell marked the lead.

    ``Tekninen toimi, Sivistystoimi, kunnanhallitus`` -> three parties, the first leads;
    ``Sivistystoimi ja tekninen toimi`` -> two (but ``Yritys- ja elinkeinopalvelut`` is one
    name); a party marked ``(vetäjä)``, ``(lead)`` or ``(ansvarig)`` leads wherever it stands.
    """
    whole = " ".join(text.split())
    if whole.lower() in KNOWN_DEPARTMENTS:
        return [whole], False
    # Separators inside brackets do not split: "Tekninen toimi (kaavoitus, rakennus)".
    depth, kept = 0, []
    for c in text:
        depth += c in "(["
        depth -= c in ")]" and depth > 0
        kept.append("\x00" if depth and c in ",;/\n" else c)
    text = "".join(kept)
    out: list[str] = []
    lead = -1
    for piece in PARTY_SPLIT.split(text):
        joined = AND_SPLIT.split(piece)
        if len(joined) > 1 and not all(UNIT_WORD.search(j.strip(" .")) for j in joined):
            joined = [piece]
        for part in joined:
            part = ITEM_MARK.sub("", part).strip(" .:-–")
            marked = bool(LEAD_MARK.search(part))
            part = LEAD_MARK.sub("", part).strip(" .:-–")
            if not part:
                continue
            name = (part[:1].upper() + part[1:]).replace("\x00", ",")
            if name.lower() in (p.lower() for p in out):
                continue
            if marked and lead < 0:
                lead = len(out)
            out.append(name)
    if lead > 0:
        out.insert(0, out.pop(lead))
    return out, lead >= 0


def action_number(text: str) -> tuple[str, str]:
    """(the number an action's text starts with, the text without it); ("", text) when none."""
    m = ACTION_NUMBER.match(text)
    if not m:
        return "", text
    rest = text[m.end() :].strip()
    number = m.group(1)
    if not rest or re.fullmatch(r"(?:19|20)\d\d", number):
        return "", text  # a year ("2024 alkaen ...") is not a number of the plan
    return number, rest


def number_cell(text: str) -> str:
    """A number column's cell as an action number ("12", "3.1"), or "" when it is not one."""
    m = NUMBER_CELL.match(text)
    return m.group(1) if m else ""


def split_metrics(text: str) -> tuple[list[str], bool]:
    """The metric phrases of one cell, and whether they came from a numbered or bulleted
    list. Split on lines, list marks (``1)``, ``2.``, ``•``), ``;``, ``, `` between phrases,
    and a lowercase word followed by a capitalised one; never on `` / ``."""
    listed = False
    lines = [ln for ln in re.split(r"[\n;]+", text) if ln.strip()]
    items: list[str] = []
    for line in lines:
        if ITEM_MARK.match(line):
            listed = True
            line = ITEM_MARK.sub("", line)
        inline = [p for p in INLINE_NUMBERS.split(" " + line) if p.strip()]
        if len(inline) > 1:
            listed = True
            items.extend(inline)
        else:
            items.append(line)
    pieces: list[str] = []
    for part in items:
        commas = part.split(", ")
        phrases = len(commas) > 1 and all(len(c.split()) >= 2 for c in commas)
        for chunk in commas if phrases else [part]:
            pieces.extend(CAPITAL_SPLIT.split(chunk))
    out = []
    for piece in pieces:
        piece = piece.strip().rstrip(".").strip()
        if piece:
            out.append(piece[:1].upper() + piece[1:])
    return out, listed


def guess_kind(name: str) -> tuple[str, str]:
    """(kind, the words that decided it) from a metric's wording."""
    low = name.lower()
    for word in YESNO_WORDS:
        if word in low:
            return "yesno", word
    if re.search(r"\b(?:lkm|kpl|st)\b", low):
        return "count", re.search(r"\b(?:lkm|kpl|st)\b", low).group(0)  # type: ignore[union-attr]
    for word in COUNT_WORDS:
        if word in low:
            return "count", word
    if "%" in low:
        return "percent", "%"
    for word in PERCENT_WORDS:
        if word in low:
            return "percent", word
    return "text", ""
