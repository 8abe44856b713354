"""The normalised statistics tables: their columns (name, the export's header, type, rules), the
columns each table needs, how a header cell is matched, and the rows a reader returns before
typing (:class:`RawRows`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ColumnType = Literal["str", "int", "float", "bool", "date", "orgnr"]
TableName = Literal["procurements", "lots", "contract_values"]
TABLES: tuple[TableName, ...] = ("procurements", "lots", "contract_values")
HEADER_SEARCH_ROWS = 20
MIN_HEADER_MATCHES = 3
SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class StatColumn:
    """One column of the normalised tables: its name, the export's header, type and rules."""

    name: str
    header: str
    type: ColumnType
    meaning: str
    nullable: bool = True
    ge: float | None = None


# The export's columns in the export's order; the measures last.
COLUMNS: tuple[StatColumn, ...] = (
    StatColumn("year", "År", "int", "statistics year", nullable=False),
    StatColumn("buyer_name", "Namn för köpare", "str", "buyer's registered name", nullable=False),
    StatColumn(
        "buyer_org_number",
        "Organisationsnummer för köpare",
        "orgnr",
        "buyer's organisation number, digits only",
        nullable=False,
    ),
    StatColumn("sector", "Sektor för köpare", "str", "buyer's sector (Kommun, Region, Stat, Annat)", nullable=False),
    StatColumn("subsector", "Delsektor för köpare", "str", "buyer's subsector"),
    StatColumn("legal_form", "Juridisk form för köpare", "str", "buyer's legal form"),
    StatColumn("sni_section", "SNI-Avdelning för köpare", "str", "buyer's industry (SNI section)"),
    StatColumn("procurement_type", "Upphandlingsslag", "str", "Varor, Tjänster or Byggentreprenader"),
    StatColumn("cpv_division", "CPV-Huvudgrupp", "str", "CPV division (2 digits) with label"),
    StatColumn("cpv_group", "CPV-Grupp", "str", "CPV group (3 digits) with label"),
    StatColumn("cpv_class", "CPV-Undergrupp", "str", "CPV class (4 digits) with label"),
    StatColumn("cpv_category", "CPV-Kategori", "str", "CPV category (5 digits) with label"),
    StatColumn("cpv_subcategory", "CPV-Underkategori", "str", "CPV subcategory with label"),
    StatColumn("main_cpv", "Huvudsaklig CPV-kod", "str", "main CPV code with label"),
    StatColumn("legal_basis", "Rättslig grund", "str", "directive the procurement falls under"),
    StatColumn("directive_governed", "Direktivstyrd", "bool", "above the EU thresholds"),
    StatColumn("procedure", "Förfarande", "str", "procedure, e.g. Öppet förfarande; empty where not reported"),
    StatColumn("contract_type", "Typ av avtal", "str", "Kontrakt (contract) or Ramavtal (framework agreement)"),
    StatColumn("dynamic_purchasing_system", "Dynamiskt inköpssystem", "bool", "dynamic purchasing system"),
    StatColumn("electronic_auction", "Elektronisk auktion", "bool", "electronic auction"),
    StatColumn("has_lots", "Anbudsområden", "bool", "divided into lots"),
    StatColumn(
        "coordinated_flag",
        "Samordnad upphandling",
        "bool",
        "the official 'coordinated procurement' flag, as the lead buyer reported it",
    ),
    StatColumn("environmental_criteria", "Miljömässigt hållbar upphandling", "bool", "environmental criteria"),
    StatColumn("social_criteria", "Socialt hållbar upphandling", "bool", "social criteria"),
    StatColumn("innovation", "Innovationsupphandling", "bool", "innovation procurement"),
    StatColumn("reserved_procurement", "Reserverad upphandling", "bool", "reserved procurement"),
    StatColumn("reserved_execution", "Reserverat genomförande", "bool", "reserved execution"),
    StatColumn("notice_database", "Annonsdatabas", "str", "notice database the data came from"),
    StatColumn("challenged", "Överprövad", "bool", "a review (överprövning) was requested"),
    StatColumn("procurement_id", "Upphandlings-ID", "str", "procurement id in the notice database", nullable=False),
    StatColumn("title", "Upphandlingens titel", "str", "procurement title"),
    StatColumn("published_date", "Publiceringsdatum", "date", "date the notice was published"),
    StatColumn("lot_id", "Anbudsområdes-ID", "str", "lot id (lots table)", nullable=False),
    StatColumn(
        "n_procurements",
        "Antal upphandlingar, Summa",
        "int",
        "procurements in the row (1 per row)",
        nullable=False,
        ge=0,
    ),
    StatColumn("n_tenders", "Antal anbud, Summa", "int", "tenders received for the lot", nullable=False, ge=0),
    StatColumn(
        "contracted_value_sek", "Kontrakterat värde, Summa", "float", "contracted value, SEK", nullable=False, ge=0
    ),
)
BY_NAME = {c.name: c for c in COLUMNS}
MEASURE: dict[TableName, str] = {
    "procurements": "n_procurements",
    "lots": "n_tenders",
    "contract_values": "contracted_value_sek",
}
_DESCRIPTIVE = tuple(c.name for c in COLUMNS if c.name not in MEASURE.values() and c.name != "lot_id")
# The columns of each normalised table, in order (then ``source_file`` and ``source_row``).
TABLE_COLUMNS: dict[TableName, tuple[str, ...]] = {
    "procurements": _DESCRIPTIVE + ("n_procurements",),
    "lots": _DESCRIPTIVE + ("lot_id", "n_tenders"),
    "contract_values": _DESCRIPTIVE + ("contracted_value_sek",),
}
# Columns a file must have for its table; the others are empty where absent.
REQUIRED: dict[TableName, tuple[str, ...]] = {
    "procurements": (
        "year",
        "buyer_name",
        "buyer_org_number",
        "sector",
        "procedure",
        "contract_type",
        "coordinated_flag",
        "procurement_id",
        "title",
        "published_date",
        "n_procurements",
    ),
    "lots": ("year", "buyer_name", "buyer_org_number", "sector", "procurement_id", "lot_id", "n_tenders"),
    "contract_values": ("year", "buyer_name", "buyer_org_number", "procurement_id", "contracted_value_sek"),
}
SOURCE_COLUMNS = ("source_file", "source_row")


def header_key(text: object) -> str:
    """Header matching key: BOM and surrounding space removed, inner space collapsed, casefolded."""
    return " ".join(str(text).replace("\ufeff", " ").split()).casefold()


HEADER_KEYS: dict[str, StatColumn] = {}
for _c in COLUMNS:
    HEADER_KEYS[header_key(_c.header)] = _c
    HEADER_KEYS[header_key(_c.name)] = _c


@dataclass
class RawRows:
    """Cells before typing: each row with the row number a person sees."""

    rows: list[tuple[int, list[Any]]]
    format: str
    date1904: bool = False
    separator: str | None = None
    encoding: str | None = None
