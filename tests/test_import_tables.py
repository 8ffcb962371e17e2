"""Importing real action tables: Word, Excel, OpenDocument, CSV; Finnish, Swedish, English;
the shapes municipalities write them in. Each test builds its table with the library a
person's office suite would have used (python-docx, openpyxl, csv) and asserts on the
programme the import makes, then on what `init` and `generate` do with it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from docx.shared import Pt

from roundtrip.cli import main
from roundtrip.errors import ConfigError, UsageError
from roundtrip.programme.tables.importer import import_table
from roundtrip.programme.workbook import load_programme
from tests.test_table_read import cell, minimal_ods, row

SEED = Path(__file__).parent / "fixtures" / "elinvoimaohjelma-2023-2026.txt"


# --------------------------------------------------------------------------- builders


def word_document(path: Path, blocks: list[tuple], merge_blank_column: int | None = None) -> Path:
    """A .docx of ("title"|"heading"|"note", text) paragraphs and ("table", rows) tables.
    `merge_blank_column`: a blank cell in that column is merged with the cell above it
    (Word's vertical merge), as a person merges a department's cells."""
    doc = Document()
    for block in blocks:
        kind, content = block[0], block[1]
        if kind == "title":
            doc.add_heading(content, level=0)
        elif kind == "heading":
            doc.add_heading(content, level=block[2] if len(block) > 2 else 2)
        elif kind == "note":
            doc.add_paragraph(content)
        else:
            rows = content
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, values in enumerate(rows):
                for c, value in enumerate(values):
                    if value:
                        lines = value.split("\n")
                        cell_ = table.cell(r, c)
                        cell_.text = lines[0]
                        for more in lines[1:]:
                            cell_.add_paragraph(more)
            if merge_blank_column is not None:
                c = merge_blank_column
                top = None
                for r in range(1, len(rows)):
                    if rows[r][c]:
                        top = r
                    elif top is not None:
                        table.cell(top, c).merge(table.cell(r, c))
            for spec in block[2] if len(block) > 2 else ():
                (r0, c0), (r1, c1) = spec
                table.cell(r0, c0).merge(table.cell(r1, c1))
    style = doc.styles["Normal"]
    style.font.size = Pt(10)
    doc.save(str(path))
    return path


def seed_blocks() -> tuple[str, list[tuple[str, list[list[str]]]]]:
    """The Aura working paper as its authors held it in Word: the title, then per priority
    area its heading and one table (the page titles and the row a page broke are what
    copying out of Word made of it)."""
    lines = SEED.read_text("utf-8").splitlines()
    title = lines[2].strip()
    blocks: list[tuple[str, list[list[str]]]] = []
    for line in lines[19:]:
        cells = line.split("\t")
        if not line.strip() or line.strip() == title:
            continue
        if line.startswith("Painopiste"):
            blocks.append((line.strip(), []))
        elif cells[0] == "KUKA":
            blocks[-1][1].append([c.strip() for c in cells])
        else:
            cells = [c.strip() for c in cells] + [""] * (5 - len(cells))
            rows = blocks[-1][1]
            last = rows[-1]
            if last[1] == "" and last[2] and not cells[0] and cells[1] and not cells[2]:
                last[1] = cells[1]  # the row a page broke, whole again
            else:
                rows.append(cells[:5])
    return title, blocks


def seed_as_word(path: Path) -> Path:
    title, blocks = seed_blocks()
    doc: list[tuple] = [
        ("title", title),
        ("note", "YHTEENVETO"),
        ("note", "Auran kunnan toimialajohtajat osallistuivat tilaisuuteen, jossa he kävivät "
                 "läpi elinvoimaohjelman sisällön."),
    ]  # fmt: skip
    for heading, rows in blocks:
        doc += [("heading", heading), ("table", rows)]
        doc.append(("note", "Taulukkoon on yhdistetty elinvoimatyöryhmän kokouksen tulokset."))
    return word_document(path, doc, merge_blank_column=0)


def seed_as_excel(path: Path) -> Path:
    title, blocks = seed_blocks()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Toimenpiteet"
    ws.append([title])
    ws.append([])
    for heading, rows in blocks:
        ws.append([heading])
        top = None
        for values in rows:
            ws.append(values)
            r = ws.max_row
            if values[0]:
                top = r
            elif top is not None and values is not rows[0]:
                ws.merge_cells(start_row=top, start_column=1, end_row=r, end_column=1)
        ws.append([])
    wb.save(path)
    return path


SWEDISH = [
    ("title", "Åtgärdsprogram för näringslivet 2024–2027"),
    ("note", "Programmet godkändes av kommunstyrelsen den 12 mars 2024."),
    ("heading", "Fokusområde 1: Företagande", 1),
    (
        "table",
        [
            ["Nr", "Åtgärd", "Ansvarig", "Samarbetspartner", "Tidplan", "Mätare"],
            ["1.", "Företagslots för nya företag", "Näringslivsenheten", "", "2024–2025",
             "• Antal nya företag\n• Andel nöjda kunder (%)"],
            ["2.", "Lokala upphandlingar", "Tekniska förvaltningen",
             "Näringslivsenheten, Kommunstyrelsen", "2025 →", "Antal lokala leverantörer"],
            ["3.", "Företagsfrukostar", "", "", "Löpande", ""],
        ],
    ),
    ("note", "Anm. Tidplanen ses över årligen."),
    ("heading", "Fokusområde 2: Kompetens", 1),
    (
        "table",
        [
            ["Nr", "Åtgärd", "Ansvarig", "Samarbetspartner", "Tidplan", "Mätare"],
            ["5.", "Praktikplatser för unga", "Bildningsförvaltningen", "", "hösten 2025",
             "1) Antal praktikplatser 2) Genomförd kartläggning"],
            ["5.", "Sommarjobb", "Bildningsförvaltningen (ansvarig), Fritid",
             "", "2026", "Antal sommarjobb"],
        ],
    ),
]  # fmt: skip


ENGLISH = [
    ["Vitality programme 2025-2030"],
    ["Adopted by the council; see the notes below the table."],
    [],
    [None, None, "Goal", "Action", "Party responsible", "Target year", "Indicator(s)"],
    [None, None, "A thriving centre", "Renovate the market square",
     "Planning, Education and culture; Council", "2027", "Visitors per year"],
    [None, None, "A thriving centre", "Pop-up shops in empty premises", "Business services",
     "2026", "Number of pop-up shops"],
    [None, None, "Green growth", "Solar panels on schools", "Property services", "2030",
     "Share of energy from solar (%)"],
    [None, None, "Green growth", "Cycling routes plan", "Planning", "Ongoing", ""],
]  # fmt: skip


FINNISH = [
    ["Tehtävä", "Vastuu", "Milloin", "Seuranta"],
    ["1. Kyläkoulujen tilojen iltakäyttö", "Sivistystoimi", "Koko ajan", "Käyttötunnit"],
    ["2. Tonttitarjonnan parantaminen", "Tekninen toimi, Sivistystoimi, kunnanhallitus",
     "Ohjelmakaudella 2023-2026", "1) Myydyt tontit 2) Kaavoitetut tontit"],
    ["3.1 Yritysneuvonta", "Elinkeinopalvelut", "2020 →", "Neuvottujen yritysten lkm"],
    ["3.2 Markkinointi", "Elinkeinopalvelut", "2030", ""],
    ["", "", "", "Hankkeen toteutuminen"],
]  # fmt: skip


def english_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Programme"
    for values in ENGLISH:
        ws.append(values)
    wb.save(path)
    return path


def finnish_csv(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # Excel's "CSV UTF-8"
        csv.writer(fh, delimiter=";").writerows(FINNISH)
    return path


def actions(p) -> list[tuple]:
    return [(a.id, a.priority_id, a.department_id, a.partners, a.text) for a in p.actions]


# --------------------------------------------------------------------------- the seed


def test_the_seed_in_word_and_in_excel_gives_the_same_programme(tmp_path: Path):
    from_text = import_table(SEED).programme
    from_word = import_table(seed_as_word(tmp_path / "elinvoimaohjelma.docx"))
    from_excel = import_table(seed_as_excel(tmp_path / "elinvoimaohjelma.xlsx"))
    assert from_word.programme == from_text
    assert from_excel.programme == from_text
    report = "\n".join(from_word.report)
    assert "table 1, row 1: columns 'KUKA' → department" in report
    assert "a note between the tables, not imported" in report
    assert "paragraph 4: priority area P1 'Kunnan ja yritysten välinen kumppanuus'" in report


# --------------------------------------------------------------------------- three shapes


def test_a_swedish_word_document_with_numbers_partners_and_notes(tmp_path: Path):
    result = import_table(word_document(tmp_path / "atgarder.docx", SWEDISH))
    p = result.programme
    assert p.settings.language == "sv"
    assert p.settings.name == "Åtgärdsprogram för näringslivet 2024–2027"
    assert [(x.id, x.title) for x in p.priorities] == [("P1", "Företagande"), ("P2", "Kompetens")]
    names = {d.id: d.name for d in p.departments}
    assert actions(p) == [
        ("1", "P1", "NAR", (), "Företagslots för nya företag"),
        ("2", "P1", "TFO", ("NAR", "KOM"), "Lokala upphandlingar"),
        ("3", "P1", "TFO", (), "Företagsfrukostar"),  # a blank lead cell continues the lead
        ("5", "P2", "BIL", (), "Praktikplatser för unga"),
        ("5-b", "P2", "BIL", ("FRI",), "Sommarjobb"),
    ]
    assert names["NAR"] == "Näringslivsenheten" and names["KOM"] == "Kommunstyrelsen"
    first = p.actions[0]
    assert [(m.name, m.kind) for m in first.metrics] == [
        ("Antal nya företag", "count"),
        ("Andel nöjda kunder (%)", "percent"),
    ]
    assert [(m.name, m.kind) for m in p.actions[3].metrics] == [
        ("Antal praktikplatser", "count"),
        ("Genomförd kartläggning", "yesno"),
    ]
    assert [(a.schedule, a.start, a.end) for a in p.actions] == [
        ("2024–2025", "2024", "2025"),
        ("2025 →", "2025", ""),
        ("Löpande", "", ""),
        ("hösten 2025", "2025H2", "2025H2"),
        ("2026", "2026", "2026"),
    ]
    report = "\n".join(result.report)
    assert "table 2, row 3: number 5 again (first at table 2, row 2): given the id 5-b" in report
    assert "number 4 is missing from the table's numbering" in report
    assert "table 2, row 3, column 3: BIL leads (marked in the cell), partners FRI" in report
    assert "table 1, row 2, column 6: 1: 2 metrics split from a list" in report
    assert "schedule 'Löpande' kept as text, no start or end (3)" in report


def test_an_english_workbook_with_the_table_mid_sheet_and_a_goal_column(tmp_path: Path):
    result = import_table(english_workbook(tmp_path / "programme.xlsx"))
    p = result.programme
    assert p.settings.language == "en" and p.settings.name == "Vitality programme 2025-2030"
    assert (p.settings.first_period, p.settings.last_period) == ("2025Q1", "2030Q4")
    assert [(x.id, x.title) for x in p.priorities] == [
        ("P1", "A thriving centre"),
        ("P2", "Green growth"),
    ]
    assert actions(p) == [
        ("P1-01", "P1", "PLA", ("EAC", "COU"), "Renovate the market square"),
        ("P1-02", "P1", "BSE", (), "Pop-up shops in empty premises"),
        ("P2-01", "P2", "PSE", (), "Solar panels on schools"),
        ("P2-02", "P2", "PLA", (), "Cycling routes plan"),
    ]
    assert [(a.start, a.end) for a in p.actions] == [("", "2027")] * 1 + [
        ("", "2026"),
        ("", "2030"),
        ("", ""),
    ]
    assert [m.kind for a in p.actions for m in a.metrics] == ["text", "count", "percent"]
    report = "\n".join(result.report)
    assert "Programme, row 4: columns 'Goal' → priority, 'Action' → action" in report
    assert "Programme!E5: PLA leads (named first), partners EAC, COU" in report


def test_a_finnish_csv_without_priority_areas_numbered_in_the_text(tmp_path: Path):
    result = import_table(finnish_csv(tmp_path / "toimenpiteet.csv"))
    p = result.programme
    assert p.settings.language == "fi"
    assert [(x.id, x.title) for x in p.priorities] == [("P1", "Kaikki toimenpiteet")]
    assert actions(p) == [
        ("1", "P1", "SIV", (), "Kyläkoulujen tilojen iltakäyttö"),
        ("2", "P1", "TEK", ("SIV", "KUN"), "Tonttitarjonnan parantaminen"),
        ("3.1", "P1", "ELI", (), "Yritysneuvonta"),
        ("3.2", "P1", "ELI", (), "Markkinointi"),
    ]
    assert [(a.schedule, a.start, a.end) for a in p.actions] == [
        ("Koko ajan", "", ""),
        ("Ohjelmakaudella 2023-2026", "2023", "2026"),
        ("2020 →", "2020", ""),
        ("2030", "2030", "2030"),
    ]
    assert [m.name for m in p.actions[1].metrics] == ["Myydyt tontit", "Kaavoitetut tontit"]
    report = "\n".join(result.report)
    assert "line 6: dropped a row with no action text (Hankkeen toteutuminen)" in report
    assert "line 1: columns 'Tehtävä' → action, 'Vastuu' → department" in report
    assert "the table numbers its actions: 4 keep their numbers as ids" in report


def test_an_opendocument_sheet_per_priority_area(tmp_path: Path):
    head = row(cell("Toimenpide"), cell("Toimiala"), cell("Aikataulu"))
    path = minimal_ods(
        tmp_path / "ohjelma.ods",
        {
            "Elinvoima": [head, row(cell("Torikahvila"), cell("Elinkeinot"), cell("2025"))],
            "Hyvinvointi": [head, row(cell("Liikuntareitit"), cell("Vapaa-aika"), cell(None))],
        },
    )
    p = import_table(path).programme
    assert [(x.id, x.title) for x in p.priorities] == [("P1", "Elinvoima"), ("P2", "Hyvinvointi")]
    assert actions(p) == [
        ("P1-01", "P1", "ELI", (), "Torikahvila"),
        ("P2-01", "P2", "VAI", (), "Liikuntareitit"),
    ]


# --------------------------------------------------------------------------- columns


UNKNOWN = [
    ["Mitä tehdään", "Kenen vastuulla", "Valmis"],
    ["Kirjastoauton reitit uusiksi", "Sivistystoimi", "2026"],
    ["Kirjastoauton reitit uusiksi toiseen kertaan", "Sivistystoimi", "2027"],
    ["Kuntalaiskysely", "Hallinto", "2025"],
]


def test_headers_it_does_not_know_are_listed_with_the_columns_line_to_write(tmp_path: Path):
    path = tmp_path / "taulukko.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(UNKNOWN)
    with pytest.raises(ConfigError) as info:
        import_table(path)
    message = str(info.value).splitlines()[0]
    assert message.startswith("taulukko.csv: no header row naming the action column")
    assert "'Mitä tehdään' | 'Kenen vastuulla' | 'Valmis'" in message
    assert '--columns "action=Mitä tehdään,department=Kenen vastuulla' in message
    p = import_table(
        path, columns="action=Mitä tehdään,toimiala=Kenen vastuulla,end=Valmis"
    ).programme
    assert [(a.text, a.department_id, a.end) for a in p.actions] == [
        ("Kirjastoauton reitit uusiksi", "SIV", "2026"),
        ("Kirjastoauton reitit uusiksi toiseen kertaan", "SIV", "2027"),
        ("Kuntalaiskysely", "HAL", "2025"),
    ]
    with pytest.raises(UsageError, match="--columns takes KEY=HEADER pairs"):
        import_table(path, columns="what=Mitä tehdään")


def test_a_table_without_an_action_column_and_a_document_without_a_table(tmp_path: Path):
    path = tmp_path / "mittarit.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["Kuka", "Mittari"], ["Sivistystoimi", "Käynnit"]])
    with pytest.raises(ConfigError, match="no header row naming the action column"):
        import_table(path)
    doc = word_document(
        tmp_path / "muistio.docx", [("title", "Muistio"), ("note", "Ei taulukkoa.")]
    )
    with pytest.raises(ConfigError, match="no table found"):
        import_table(doc)


# --------------------------------------------------------------------------- init, generate


@pytest.mark.parametrize("shape", ["swedish", "english", "finnish"])
def test_init_imports_and_generate_makes_each_department_s_workbook(tmp_path: Path, shape: str):
    source = {
        "swedish": lambda: word_document(tmp_path / "atgarder.docx", SWEDISH),
        "english": lambda: english_workbook(tmp_path / "programme.xlsx"),
        "finnish": lambda: finnish_csv(tmp_path / "toimenpiteet.csv"),
    }[shape]()
    ws = tmp_path / "ws"
    runner = CliRunner()
    made = runner.invoke(main, ["--lang", "en", "init", str(ws), "--from-table", str(source)])
    assert made.exit_code == 0, made.output
    report = (ws / "reports" / "import-report.txt").read_text("utf-8")
    assert "Columns:" in report and "Departments:" in report
    assert report.splitlines()[2] in made.output  # the report is printed as well
    p = load_programme(ws / "programme.xlsx")
    period = {"swedish": "2024Q1", "english": "2025Q1", "finnish": "2025Q1"}[shape]
    generated = runner.invoke(main, ["-w", str(ws), "generate", period])
    assert generated.exit_code == 0, generated.output
    books = sorted((ws / "outbox" / period).glob("*.xlsx"))
    assert len(books) == len(p.departments)  # a partner too: it may propose actions
    first = openpyxl.load_workbook(books[0])
    texts = {c.value for sheet in first.worksheets for r in sheet.iter_rows() for c in r}
    mine = [a for a in p.actions if books[0].name.find(f"_{a.department_id}_") >= 0]
    assert mine and all(a.text in texts for a in mine)


def test_a_bad_columns_option_or_one_without_a_table_is_one_line(tmp_path: Path):
    runner = CliRunner()
    alone = runner.invoke(main, ["init", str(tmp_path / "a"), "--example", "aura",
                                 "--columns", "action=X"])  # fmt: skip
    assert alone.exit_code == 2 and "--columns goes with --from-table" in alone.output
    assert not (tmp_path / "a").exists()
    bad = runner.invoke(main, ["init", str(tmp_path / "b"), "--from-table", str(SEED),
                               "--columns", "action"])  # fmt: skip
    assert bad.exit_code == 2 and "--columns takes KEY=HEADER pairs" in bad.output
    assert not (tmp_path / "b").exists()


def test_the_readme_s_example_gives_the_report_it_shows(tmp_path: Path):
    """README: the csv of "Importing your own action table" gives the lines it quotes."""
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    section = readme.split("### Importing your own action table", 1)[1]
    table = section.split("```csv\n", 1)[1].split("```", 1)[0]
    quoted = section.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    path = tmp_path / "toimenpiteet.csv"
    path.write_text(table, encoding="utf-8")
    report = [line.rstrip() for line in import_table(path).report]
    at = 0
    for line in quoted:  # in the report, in this order
        at = report.index(line, at) + 1


def test_a_row_whose_words_begin_like_headers_is_an_action_not_a_header(tmp_path: Path):
    path = tmp_path / "ohjelma.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";").writerows(
            [
                ["Toimenpide", "Toimiala"],
                ["Toimenpide 12: kyläkoulujen iltakäyttö", "Toimialajohto"],
                ["Toimenpiteet kartoitetaan", "Sivistystoimi"],
            ]
        )
    p = import_table(path).programme
    assert [a.text for a in p.actions] == [
        "Toimenpide 12: kyläkoulujen iltakäyttö",
        "Toimenpiteet kartoitetaan",
    ]


def test_init_reports_in_the_language_the_table_is_in(tmp_path: Path, monkeypatch):
    """Without --lang, init speaks the programme's language from the first line of the
    report on, as it does after it (the table's headers told it which)."""
    monkeypatch.delenv("ROUNDTRIP_LANG")
    source = finnish_csv(tmp_path / "toimenpiteet.csv")
    made = CliRunner().invoke(main, ["init", str(tmp_path / "ws"), "--from-table", str(source)])
    assert made.exit_code == 0, made.output
    assert "    Sarakkeet:\n      rivi 1: sarakkeet 'Tehtävä' → toimenpide" in made.output
    assert "Columns:" not in made.output and "Seuraavaksi:" in made.output
