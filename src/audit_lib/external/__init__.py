"""Independent sources beside the audit data package (e.g. the national procurement statistics)."""

from .uhm import (
    Buyer,
    BuyerNotFound,
    Statistics,
    StatisticsError,
    StatisticsFile,
    buyer_table,
    load_statistics,
    read_statistics_file,
    resolve_buyers,
)

__all__ = [
    "Buyer",
    "BuyerNotFound",
    "Statistics",
    "StatisticsError",
    "StatisticsFile",
    "buyer_table",
    "load_statistics",
    "read_statistics_file",
    "resolve_buyers",
]
