"""Helpers for the hostile-input and safe-HTML tests: a small valid package, the broken
variants of it (each with the problem it must produce), and text that must never run.

Every broken package is made on the fly from ``write_minimal_package`` (nothing hostile is
committed); the "very large" files are generated at test time.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audit_lib.contract import Problem

# ------------------------------------------------------------------ a small valid package
PROCUREMENTS = [
    # id, title, category, lead, date, planned, reason, method, saving, b_old, b_new, first, neg, ext, lessons
    (
        "IN-2024-0001",
        "Ambulanser (fordon)",
        "Fordon",
        "VML",
        "2024-02-01",
        "true",
        "",
        "market",
        "504239,56",
        "",
        "",
        "",
        "",
        "false",
        "true",
    ),
    (
        "IN-2024-0002",
        "Textilservice",
        "Textil",
        "SRM",
        "2024-03-15",
        "true",
        "Verksamheten motsatte sig samordning",
        "basket",
        "6317,82",
        "233622",
        "227304,18",
        "",
        "",
        "false",
        "false",
    ),
    (
        "IN-2024-0003",
        "Mammografistativ för bröströntgen",
        "Medicinteknik",
        "SRM",
        "2024-05-30",
        "ja",
        "",
        "negotiation",
        "12000",
        "",
        "",
        "319652,8",
        "307652,8",
        "ja",
        "nej",
    ),
]
PROCUREMENT_COLUMNS = (
    "procurement_id,title,category,lead_region,completed_date,planned_coordinated,non_coordination_reason,"
    "saving_method,reported_saving_sek,basket_old_sek,basket_new_sek,first_price_sek,negotiated_price_sek,"
    "external_consultant,lessons_documented"
).split(",")

TABLES_CSV: dict[str, tuple[list[str], list[tuple[str, ...]]]] = {
    "procurements": (PROCUREMENT_COLUMNS, PROCUREMENTS),
    "procurement_regions": (
        ["procurement_id", "region", "estimated_value_sek", "initiated_by", "initiation_ref"],
        [
            ("IN-2024-0001", "VML", "2307000", "inkopsnamnden", "VML-2024-1"),
            ("IN-2024-0001", "SRM", "1137000", "inkopsnamnden", "SRM-2024-1"),
            ("IN-2024-0002", "SRM", "300000000", "regionstyrelse", "SRM-2024-2"),
            ("IN-2024-0003", "SRM", "900000", "", ""),
        ],
    ),
    "bids": (
        ["procurement_id", "bidder_id", "evaluated_price_sek", "approved", "awarded"],
        [
            ("IN-2024-0001", "L1", "2389762,03", "true", "true"),
            ("IN-2024-0001", "L2", "3398241,15", "true", "false"),
            ("IN-2024-0001", "L3", "2500000", "false", "false"),
        ],
    ),
    "targets": (
        ["year", "indicator", "target", "outcome", "period", "source"],
        [
            ("2023", "coordinated_count", "30", "34", "full_year", "Årsredovisning 2023, s. 12"),
            ("2024", "coordinated_count", "35", "43", "full_year", "Årsredovisning 2024"),
            ("2024", "enabled_savings_sek", "70000000", "68100000", "full_year", "Årsredovisning 2024"),
            ("2025", "coordinated_share", "0,30", "0,19", "interim", "Delårsrapport 2025"),
        ],
    ),
    "rollouts": (
        ["category", "region", "ecommerce_start", "category_management_start", "coordinated_contract_start"],
        [("Fordon", "SRM", "2023-01-01", "", "2024-03-01"), ("Textil", "VML", "", "2022-06-01", "")],
    ),
    "coordination_effort": (
        ["procurement_id", "activity", "hours"],
        [("IN-2024-0001", "samverkansmöte", "35,9"), ("IN-2024-0002", "kravsynkronisering", "74")],
    ),
    "indicators": (
        ["goal_area", "indicator", "followed_up", "reported_to"],
        [
            ("cost", "Möjliggjorda besparingar", "true", "regionstyrelse"),
            ("quality", "Kvalitet i avtal", "false", ""),
            ("learning", "Erfarenheter dokumenterade", "nej", ""),
        ],
    ),
    "purchase_lines": (
        ["order_date", "region", "category", "article_id", "quantity", "amount_sek"],
        [
            ("2024-01-05", "SRM", "Fordon", "A1", "2", "1500,5"),
            ("2024-01-06", "VML", "Textil", "A2", "1", "99"),
            ("2024-02-01", "SRM", "Textil", "A3", "10", "1200"),
        ],
    ),
}


_DECIMAL_COMMA = re.compile(r"^(-?\d+),(\d+)$")


def csv_text(columns: list[str], rows: list[tuple[str, ...]], sep: str = ";") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue()


def write_minimal_package(folder: Path, sep: str = ";") -> Path:
    """A small package that passes validation (semicolons and decimal commas, as auditors
    receive it from Excel); every table present, purchase_lines as a small CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (cols, rows) in TABLES_CSV.items():
        text = csv_text(cols, rows, sep)
        if sep == ",":  # decimal point with the comma separator
            text = csv_text(cols, [tuple(_DECIMAL_COMMA.sub(r"\1.\2", c) for c in r) for r in rows], sep)
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------ broken variants
@dataclass(frozen=True)
class Expect:
    """A problem the loader must report: file, row, column (None: not named) and words of
    the rule; ``severity`` error (refused) or warning (loaded)."""

    file: str
    rule: str
    row: int | None = None
    column: str | None = None
    severity: str = "error"


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], None]
    expect: Expect
    fatal: bool = True
    # the problem is found only with the parameters' region codes (validate --params, run)
    needs_params: bool = False


def _edit(name: str, fn: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        p = folder / f"{name}.csv"
        p.write_bytes(fn(p.read_bytes()))

    return make


def _replace_line(name: str, line: int, new: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    """Replace line ``line`` (header = 1) of ``name``.csv by ``new``."""

    def make(folder: Path) -> None:
        p = folder / f"{name}.csv"
        lines = p.read_bytes().split(b"\n")
        lines[line - 1] = new.encode(encoding)
        p.write_bytes(b"\n".join(lines))

    return make


def _set_cell(name: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell (``row`` = the line in the file, header = 1)."""

    def make(folder: Path) -> None:
        p = folder / f"{name}.csv"
        rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8")), delimiter=";"))
        rows[row - 1][rows[0].index(column)] = value
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\n").writerows(rows)
        p.write_text(buf.getvalue(), encoding="utf-8")

    return make


def _delete(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / f"{name}.csv").unlink()


def _drop_column(name: str, column: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        cols, rows = TABLES_CSV[name]
        i = cols.index(column)
        (folder / f"{name}.csv").write_text(
            csv_text(cols[:i] + cols[i + 1 :], [r[:i] + r[i + 1 :] for r in rows]), encoding="utf-8"
        )

    return make


def _add_column(name: str, column: str, value: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        cols, rows = TABLES_CSV[name]
        (folder / f"{name}.csv").write_text(csv_text(cols + [column], [r + (value,) for r in rows]), encoding="utf-8")

    return make


def _excel(name: str, title_rows: int, bad: tuple[int, str, object] | None = None) -> Callable[[Path], None]:
    """``name`` as .xlsx with ``title_rows`` rows of report title above the header; ``bad`` =
    (data row index from 0, column, value) planted in the table."""

    def make(folder: Path) -> None:
        import openpyxl

        cols, rows = TABLES_CSV[name]
        wb = openpyxl.Workbook()
        ws = wb.active
        for i in range(title_rows):
            ws.cell(row=i + 1, column=1, value=["Uppföljning av indikatorer", "Inköpsnämnden 2025", ""][i % 3] or None)
        for j, c in enumerate(cols):
            ws.cell(row=title_rows + 1, column=j + 1, value=c)
        for k, r in enumerate(rows):
            values: list[object] = list(r)
            if bad is not None and bad[0] == k:
                values[cols.index(bad[1])] = bad[2]
            for j, v in enumerate(values):
                ws.cell(row=title_rows + 2 + k, column=j + 1, value=v if v != "" else None)
        (folder / f"{name}.csv").unlink()
        wb.save(folder / f"{name}.xlsx")

    return make


def _bytes(name: str, data: bytes, suffix: str = ".csv") -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / f"{name}.csv").unlink(missing_ok=True)
        (folder / f"{name}{suffix}").write_bytes(data)

    return make


def big_purchase_lines(folder: Path, n_rows: int = 1_200_000, bad_row: int = 1_000_001) -> None:
    """purchase_lines.csv with ``n_rows`` rows (about 40 MB), generated here, one bad quantity
    on line ``bad_row`` (the header is line 1)."""
    header = "order_date;region;category;article_id;quantity;amount_sek\n"
    chunk = "".join(f"2024-01-{1 + i % 28:02d};SRM;Fordon;A{i % 997};1;{i % 5000},5\n" for i in range(10_000))
    with open(folder / "purchase_lines.csv", "w", encoding="utf-8") as fh:
        fh.write(header)
        written = 0
        while written + 10_000 <= bad_row - 2:
            fh.write(chunk)
            written += 10_000
        fh.write("".join(f"2024-02-01;VML;Textil;B{i};2;10\n" for i in range(written, bad_row - 2)))
        fh.write("2024-02-01;VML;Textil;B;två;10\n")
        written = bad_row - 1
        while written < n_rows:
            k = min(10_000, n_rows - written)
            fh.write(chunk if k == 10_000 else chunk[: chunk.index("\n") + 1] * k)
            written += k


P = "procurements.csv"
CASES: list[Case] = [
    Case(
        "truncated_mid_row", _edit("procurements", lambda b: b[: b.rindex(b";SRM;") + 3]), Expect(P, "truncated", row=4)
    ),
    Case(
        "truncated_in_quotes",
        _edit("targets", lambda b: b + b'2026;coordinated_count;40;;full_year;"Verksamhetspl'),
        Expect("targets.csv", "never closed", row=6),
    ),
    Case("empty_file", _bytes("bids", b""), Expect("bids.csv", "file is empty")),
    Case(
        "header_only",
        _edit("coordination_effort", lambda b: b.split(b"\n")[0] + b"\n"),
        Expect("coordination_effort.csv", "header but no rows"),
    ),
    Case("utf16", _edit("procurements", lambda b: b.decode("utf-8").encode("utf-16")), Expect(P, "UTF-16", row=1)),
    Case(
        "mixed_encoding",
        _edit("procurements", lambda b: b.replace(b"Textilservice", "Tvättservice".encode("cp1252"))),
        Expect(P, "mixed encodings", row=3),
    ),
    Case(
        "undecodable_bytes",
        _edit("rollouts", lambda b: b.replace(b"Textil", b"Text\x81l")),
        Expect("rollouts.csv", "cannot be read as UTF-8 or Windows-1252", row=3),
    ),
    Case(
        "nul_bytes",
        _bytes("rollouts", b"category;region\x00\x00;x\n" + bytes(range(256))),
        Expect("rollouts.csv", "NUL bytes", row=1),
    ),
    Case(
        "semicolon_rows_comma_header",
        _edit("bids", lambda b: b.split(b"\n", 1)[0].replace(b";", b",") + b"\n" + b.split(b"\n", 1)[1]),
        Expect("bids.csv", "different separators", row=2),
    ),
    Case(
        "extra_field",
        _replace_line("bids", 3, "IN-2024-0001;L2;3398241,15;true;false;oops"),
        Expect("bids.csv", "fields but the header has", row=3),
    ),
    Case(
        "duplicate_ids",
        _set_cell("procurements", 4, "procurement_id", "IN-2024-0001"),
        Expect(P, "must be unique", row=4, column="procurement_id"),
    ),
    Case(
        "duplicate_pair",
        _set_cell("procurement_regions", 3, "region", "VML"),
        Expect("procurement_regions.csv", "unique together", row=3),
    ),
    Case("missing_required_table", _delete("targets"), Expect("targets.csv", "required table is missing")),
    Case(
        "missing_required_column",
        _drop_column("procurements", "lead_region"),
        Expect(P, "required column is missing", column="lead_region"),
    ),
    Case(
        "duplicate_header",
        _edit("bids", lambda b: b.replace(b"awarded", b"approved", 1)),
        Expect("bids.csv", "more than once", column="approved"),
    ),
    Case(
        "unknown_column",
        _add_column("procurements", "handläggare", "Anna"),
        Expect(P, "not in the contract", column="handläggare", severity="warning"),
        fatal=False,
    ),
    Case(
        "wrong_type_date",
        _set_cell("procurements", 3, "completed_date", "15/03/2024"),
        Expect(P, "expected a date", row=3, column="completed_date"),
    ),
    Case(
        "wrong_type_bool",
        _set_cell("procurements", 2, "external_consultant", "kanske"),
        Expect(P, "expected true/false", row=2, column="external_consultant"),
    ),
    Case(
        "wrong_type_number",
        _set_cell("bids", 2, "evaluated_price_sek", "2 389 762 kr"),
        Expect("bids.csv", "expected a number", row=2, column="evaluated_price_sek"),
    ),
    Case(
        "wrong_type_int",
        _set_cell("targets", 3, "year", "2024,5"),
        Expect("targets.csv", "whole number", row=3, column="year"),
    ),
    Case(
        "not_allowed_value",
        _set_cell("procurements", 2, "saving_method", "gissning"),
        Expect(P, "allowed values", row=2, column="saving_method"),
    ),
    Case(
        "negative_value",
        _set_cell("procurement_regions", 5, "estimated_value_sek", "-900000"),
        Expect("procurement_regions.csv", "must be >= 0", row=5, column="estimated_value_sek"),
    ),
    Case(
        "absurd_value",
        _set_cell("procurement_regions", 4, "estimated_value_sek", "300000000000000"),
        Expect("procurement_regions.csv", "absurd value", row=4, column="estimated_value_sek"),
    ),
    Case(
        "absurd_hours",
        _set_cell("coordination_effort", 3, "hours", "7400000"),
        Expect("coordination_effort.csv", "absurd value", row=3, column="hours"),
    ),
    Case(
        "share_as_percent",
        _set_cell("targets", 5, "outcome", "19"),
        Expect("targets.csv", "fraction", row=5, column="outcome"),
    ),
    Case(
        "date_out_of_range",
        _set_cell("procurements", 2, "completed_date", "2205-01-01"),
        Expect(P, "date out of range", row=2, column="completed_date"),
    ),
    Case(
        "date_not_calendar",
        _set_cell("rollouts", 2, "ecommerce_start", "2023-02-30"),
        Expect("rollouts.csv", "not a calendar date", row=2, column="ecommerce_start"),
    ),
    Case(
        "unknown_procurement",
        _set_cell("bids", 3, "procurement_id", "IN-2099-0042"),
        Expect("bids.csv", "unknown procurements.procurement_id", row=3, column="procurement_id"),
    ),
    Case(
        "procurement_without_region",
        _edit("procurement_regions", lambda b: b.replace(b"IN-2024-0003;SRM;900000;;\n", b"")),
        Expect(P, "no row in procurement_regions", row=4, column="procurement_id"),
    ),
    Case(
        "excel_title_rows_and_bad_cell",
        _excel("indicators", 3, bad=(1, "followed_up", "kanske")),
        Expect("indicators.xlsx", "expected true/false", row=6, column="followed_up"),
    ),
    Case("excel_no_header", _excel("indicators", 25), Expect("indicators.xlsx", "no header row")),
    Case(
        "excel_not_a_workbook",
        _bytes("bids", b"procurement_id;bidder_id\n", ".xlsx"),
        Expect("bids.xlsx", "not a readable .xlsx"),
    ),
    Case(
        "parquet_not_parquet",
        _bytes("bids", b"PAR1 this is not parquet", ".parquet"),
        Expect("bids.parquet", "not a readable Parquet"),
    ),
    Case(
        "two_files_one_table",
        lambda f: shutil.copy(f / "bids.csv", f / "bids.parquet"),
        Expect("bids.csv", "ambiguous"),
    ),
    Case(
        "large_table_truncated",
        _edit("purchase_lines", lambda b: b.rstrip(b"\n")[:-6]),
        Expect("purchase_lines.csv", "fields but the header has", row=4),
    ),
    Case(
        "large_table_bad_cell",
        _set_cell("purchase_lines", 3, "quantity", "-1"),
        Expect("purchase_lines.csv", "must be > 0", row=3, column="quantity"),
    ),
    Case(
        "large_table_absurd",
        _set_cell("purchase_lines", 2, "amount_sek", "5e10"),
        Expect("purchase_lines.csv", "absurd value", row=2, column="amount_sek"),
    ),
    Case(
        "large_table_missing_column",
        _edit("purchase_lines", lambda b: b.replace(b"article_id", b"artikel", 1)),
        Expect("purchase_lines.csv", "required column is missing", column="article_id"),
    ),
]


# ------------------------------------------------------------------ issue 12: reading the package
def _lines_with(name: str, newline: bytes, empty_after: int | None = None) -> Callable[[Path], None]:
    """``name``.csv with ``newline`` line endings, and an empty line after line ``empty_after``."""

    def make(folder: Path) -> None:
        p = folder / f"{name}.csv"
        lines = p.read_bytes().rstrip(b"\n").split(b"\n")
        if empty_after is not None:
            lines.insert(empty_after, b"")
        p.write_bytes(newline.join(lines) + newline)

    return make


def _then(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        for step in steps:
            step(folder)

    return make


def _workbook(name: str, sheets: list[tuple[str, str, list[list[object]]]]) -> Callable[[Path], None]:
    """``name``.xlsx with sheets (title, state, rows); a row is a list of cell values (a value
    ``("XFD", v)`` is written into that column instead)."""

    def make(folder: Path) -> None:
        import openpyxl

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, state, rows in sheets:
            ws = wb.create_sheet(title)
            ws.sheet_state = state
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    if isinstance(v, tuple):
                        ws[f"{v[0]}{i + 1}"] = v[1]
                    elif v not in ("", None):
                        ws.cell(row=i + 1, column=j + 1, value=v)
        (folder / f"{name}.csv").unlink(missing_ok=True)
        wb.save(folder / f"{name}.xlsx")

    return make


def _table_rows(name: str, edit: Callable[[list[list[object]]], None] | None = None) -> list[list[object]]:
    cols, rows = TABLES_CSV[name]
    out: list[list[object]] = [list(cols)] + [list(r) for r in rows]
    if edit is not None:
        edit(out)
    return out


def _zip_bomb(name: str, mib: int) -> Callable[[Path], None]:
    """``name``.xlsx: a few KiB on disk that unpacks to ``mib`` MiB."""

    def make(folder: Path) -> None:
        import zipfile

        (folder / f"{name}.csv").unlink(missing_ok=True)
        with zipfile.ZipFile(folder / f"{name}.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                block = b" " * (1 << 20)
                for _ in range(mib):
                    fh.write(block)

    return make


def _symlink_out(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        outside = folder.parent / f"outside-{name}.csv"
        outside.write_bytes((folder / f"{name}.csv").read_bytes())
        (folder / f"{name}.csv").unlink()
        (folder / f"{name}.csv").symlink_to(outside)

    return make


def _fifo(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        import os

        (folder / f"{name}.csv").unlink()
        os.mkfifo(folder / f"{name}.csv")

    return make


def _parquet_folder(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq

        d = folder / f"{name}.parquet"
        d.mkdir()
        t = pcsv.read_csv(folder / f"{name}.csv", parse_options=pcsv.ParseOptions(delimiter=";"))
        pq.write_table(t, d / "part-0.parquet")
        (folder / f"{name}.csv").unlink()

    return make


def _empty_folder(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).mkdir()
        (folder / name / "_SUCCESS").write_bytes(b"")
        (folder / f"{name}.csv").unlink()

    return make


def _set(rows: list[list[object]], row: int, col: str, value: object) -> None:
    rows[row - 1][rows[0].index(col)] = value


PR, PL, B = "procurement_regions.csv", "purchase_lines.csv", "bids.csv"
CASES += [
    # region codes against the parameters' codes (SRM, VML): look-alikes, invisible characters, case
    Case(
        "region_cyrillic_em",
        _set_cell("procurement_regions", 3, "region", "SR\u041c"),
        Expect(PR, "nearest known code: 'SRM'", row=3, column="region"),
        needs_params=True,
    ),
    Case(
        "region_lower_case",
        _set_cell("procurements", 3, "lead_region", "srm"),
        Expect(P, "nearest known code: 'SRM'", row=3, column="lead_region"),
        needs_params=True,
    ),
    Case(
        "region_zero_width_space",
        _set_cell("procurement_regions", 4, "region", "SR\u200bM"),
        Expect(PR, "U+200B ZERO WIDTH SPACE", row=4, column="region"),
    ),
    Case(
        "region_trailing_bom",
        _set_cell("rollouts", 2, "region", "SRM\ufeff"),
        Expect("rollouts.csv", "U+FEFF ZERO WIDTH NO-BREAK SPACE", row=2, column="region"),
    ),
    Case(
        "large_table_region_cyrillic",
        _set_cell("purchase_lines", 4, "region", "SR\u041c"),
        Expect(PL, "nearest known code: 'SRM'", row=4, column="region"),
        needs_params=True,
    ),
    Case(
        "large_table_region_zero_width",
        _set_cell("purchase_lines", 2, "region", "SRM\u200b"),
        Expect(PL, "U+200B ZERO WIDTH SPACE", row=2, column="region"),
    ),
    # ids that differ only by invisible characters; bidirectional controls in ids
    Case(
        "id_with_zero_width_joiner",
        _set_cell("procurements", 3, "procurement_id", "IN-2024-0002\u200d"),
        Expect(P, "U+200D ZERO WIDTH JOINER", row=3, column="procurement_id"),
    ),
    Case(
        "bidder_id_with_bidi_override",
        _set_cell("bids", 3, "bidder_id", "\u202eL2"),
        Expect(B, "U+202E RIGHT-TO-LEFT OVERRIDE", row=3, column="bidder_id"),
    ),
    Case(
        "title_with_bidi_override",
        _set_cell("procurements", 2, "title", "Ambulanser \u202e(fordon)"),
        Expect(P, "bidirectional control characters removed", row=2, column="title", severity="warning"),
        fatal=False,
    ),
    # numbers: dot as thousands separator, digits of other scripts, underscores
    Case(
        "number_dot_thousands",
        _set_cell("procurement_regions", 5, "estimated_value_sek", "900.000"),
        Expect(PR, "ambiguous number", row=5, column="estimated_value_sek"),
    ),
    Case(
        "number_arabic_indic_digits",
        _set_cell("bids", 2, "evaluated_price_sek", "\u0662\u0663\u0668\u0669"),
        Expect(B, "digits 0-9", row=2, column="evaluated_price_sek"),
    ),
    Case(
        "number_full_width_digits",
        _set_cell("coordination_effort", 3, "hours", "\uff17\uff14"),
        Expect("coordination_effort.csv", "digits 0-9", row=3, column="hours"),
    ),
    Case(
        "number_underscores",
        _set_cell("bids", 3, "evaluated_price_sek", "2_389_762"),
        Expect(B, "digits 0-9", row=3, column="evaluated_price_sek"),
    ),
    Case(
        "int_arabic_indic_digits",
        _set_cell("targets", 3, "year", "\u0662\u0660\u0662\u0664"),
        Expect("targets.csv", "whole number", row=3, column="year"),
    ),
    Case(
        "large_table_dot_thousands",
        _set_cell("purchase_lines", 3, "amount_sek", "1.200"),
        Expect(PL, "ambiguous number", row=3, column="amount_sek"),
    ),
    Case(
        "large_table_underscores",
        _set_cell("purchase_lines", 2, "amount_sek", "1_500"),
        Expect(PL, "digits 0-9", row=2, column="amount_sek"),
    ),
    Case(
        "large_table_full_width_digits",
        _set_cell("purchase_lines", 4, "quantity", "\uff11\uff10"),
        Expect(PL, "digits 0-9", row=4, column="quantity"),
    ),
    Case(
        "large_table_date_with_time",
        _set_cell("purchase_lines", 2, "order_date", "2024-01-05 12:30"),
        Expect(PL, "expected a date as YYYY-MM-DD", row=2, column="order_date"),
    ),
    # purchase_lines: duplicated columns, old Mac line endings, empty lines
    Case(
        "large_table_duplicate_column",
        _edit("purchase_lines", lambda b: b.replace(b"category", b"amount_sek", 1)),
        Expect(PL, "more than once", column="amount_sek"),
    ),
    Case(
        "large_table_duplicate_spelled_column",
        _edit(
            "purchase_lines",
            lambda b: b.replace(b"amount_sek\n", b"amount_sek;Amount SEK\n", 1).replace(
                b"\n2024-01-05;SRM;Fordon;A1;2;1500,5\n", b"\n2024-01-05;SRM;Fordon;A1;2;1500,5;7\n"
            ),
        ),
        Expect(PL, "more than once", column="amount_sek"),
    ),
    Case(
        "large_table_cr_line_endings",
        _then(_set_cell("purchase_lines", 3, "quantity", "-1"), _lines_with("purchase_lines", b"\r")),
        Expect(PL, "must be > 0", row=3, column="quantity"),
    ),
    Case(
        "large_table_row_after_empty_line",
        _then(_set_cell("purchase_lines", 4, "quantity", "-1"), _lines_with("purchase_lines", b"\n", empty_after=2)),
        Expect(PL, "must be > 0", row=5, column="quantity"),
    ),
    # xlsx: formulas without a saved value; a hidden first sheet; a zip bomb
    Case(
        "xlsx_formula_without_value",
        _workbook(
            "indicators", [("Blad1", "visible", _table_rows("indicators", lambda r: _set(r, 3, "followed_up", "=1=1")))]
        ),
        Expect("indicators.xlsx", "formula without a saved value", row=3, column="C"),
    ),
    Case(
        "xlsx_hidden_first_sheet",
        _workbook(
            "indicators",
            [
                ("Gammal", "hidden", _table_rows("indicators", lambda r: _set(r, 2, "followed_up", "kanske"))),
                ("Indikatorer", "visible", _table_rows("indicators")),
            ],
        ),
        Expect("indicators.xlsx", "the first visible one", severity="warning"),
        fatal=False,
    ),
    Case(
        "xlsx_hidden_first_sheet_bad_visible",
        _workbook(
            "indicators",
            [
                ("Gammal", "hidden", _table_rows("indicators")),
                ("Indikatorer", "visible", _table_rows("indicators", lambda r: _set(r, 3, "followed_up", "kanske"))),
            ],
        ),
        Expect("indicators.xlsx", "expected true/false", row=3, column="followed_up"),
    ),
    Case("xlsx_unpacks_to_hundreds_of_mib", _zip_bomb("bids", 160), Expect("bids.xlsx", "unpacks to 160 MiB")),
    # files that are not what their name says
    Case("symlink_out_of_package", _symlink_out("bids"), Expect(B, "leads out of the data folder")),
    Case("fifo_named_like_a_table", _fifo("bids"), Expect(B, "FIFO")),
    # only purchase_lines may be a Parquet dataset folder (as Spark writes it); a small table may not,
    # and a dataset folder without Parquet files is refused
    Case(
        "parquet_dataset_folder_small_table",
        _parquet_folder("bids"),
        Expect("bids.parquet", "a folder, not a file"),
    ),
    Case(
        "parquet_dataset_folder_empty",
        _empty_folder("purchase_lines"),
        Expect("purchase_lines", "a folder without Parquet files"),
    ),
    Case(
        "one_table_in_two_formats_by_case",
        lambda f: shutil.copy(f / "procurements.csv", f / "Procurements.XLSX"),
        Expect("Procurements.XLSX", "ambiguous"),
    ),
]


def matches(problem: Problem, expect: Expect) -> bool:
    """Does a :class:`~audit_lib.contract.Problem` say what ``expect`` says?"""
    return (
        problem.severity == expect.severity
        and problem.file == expect.file
        and expect.rule.lower() in problem.rule.lower()
        and (expect.row is None or problem.row == expect.row)
        and (expect.column is None or problem.column == expect.column)
    )


# ------------------------------------------------------------------ text that must never run
# Each payload sets window.__pwned (and would open a dialog); a page where any of them runs
# fails the safe-HTML test. Kept free of ';' so they fit unquoted in any cell.
PAYLOADS = (
    "<script>window.__pwned=1,alert(1)</script>",
    '<img src=x onerror="window.__pwned=2,alert(2)">',
    "<svg onload=window.__pwned=3,alert(3)>",
    '"><script>window.__pwned=4</script>',
    '<a href="javascript:window.__pwned=5">x</a>',
    "<iframe srcdoc='<script>parent.__pwned=6</script>'></iframe>",
    "{{7*7}} ${alert(7)} [x](javascript:alert(8)) <!-- -->",
)


def hostile_text(i: int) -> str:
    """A payload, chosen by ``i`` so that every kind appears across a table's cells."""
    return PAYLOADS[i % len(PAYLOADS)]
