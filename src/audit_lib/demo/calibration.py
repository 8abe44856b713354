"""What the demo package is calibrated to: the figures published in the reference report.

Source: Qualitarium AB, "Samordnade upphandlingar", granskning på uppdrag av Region Sörmlands
revisorer, 2025-10-27 (figures quoted from the board's operational plans, annual reports and
the 2025 interim report). Years the report does not give are synthetic and marked so.
"""

from __future__ import annotations

REPORT = "Qualitarium: Samordnade upphandlingar (granskningsrapport 2025-10-27)"
SYNTHETIC = "synthetic (demo data, not in the report)"

YEARS = tuple(range(2019, 2026))
REGIONS = {"SRM": "Region Sörmland", "VML": "Region Västmanland"}

# year -> (target, outcome, source); None = no target set
COORDINATED_COUNT = {
    2019: (None, 27, SYNTHETIC + "; the report: 2022 was 'in line with 2019 and 2020'"),
    2020: (None, 27, SYNTHETIC + "; the report: 2022 was 'in line with 2019 and 2020'"),
    2021: (None, 24, SYNTHETIC + "; the report: 2022 was 'somewhat higher than 2021'"),
    2022: (None, 27, f"Verksamhetsplan/årsredovisning 2022, citerad i {REPORT}"),
    2023: (30, 34, f"Verksamhetsplan/årsredovisning 2023, citerad i {REPORT}"),
    2024: (35, 43, f"Verksamhetsplan/årsredovisning 2024, citerad i {REPORT}"),
}
ENABLED_SAVINGS_MNKR = {
    2019: (60.0, 58.2, SYNTHETIC),
    2020: (65.0, 69.5, SYNTHETIC),
    2021: (75.0, 79.1, SYNTHETIC),
    2022: (85.0, 85.0, f"Verksamhetsplan/årsredovisning 2022, citerad i {REPORT}"),
    2023: (66.0, 74.4, f"Verksamhetsplan/årsredovisning 2023, citerad i {REPORT}"),
    2024: (70.0, 68.1, f"Verksamhetsplan/årsredovisning 2024, citerad i {REPORT}"),
}
SAVINGS_TARGET_2025_MNKR = (70.0, f"Verksamhetsplan 2025, citerad i {REPORT}")
SAVINGS_OUTCOME_2025_MNKR = 66.3  # synthetic: the demo register's 2025 total
INTERIM_SHARE_2025 = (0.30, 0.19, f"Delårsrapport 2025, citerad i {REPORT}")

# procurements completed per year, and how many of them coordinated (both regions)
N_PROCUREMENTS = {2019: 150, 2020: 155, 2021: 160, 2022: 165, 2023: 175, 2024: 185, 2025: 190}
N_COORDINATED = {2019: 27, 2020: 27, 2021: 24, 2022: 27, 2023: 34, 2024: 43, 2025: 36}  # 2025: 18.9 %
NO_SAVING_SHARE = 0.40  # "about 40 % could not be computed by any method" (interim 2025)
TEXTILE_VALUE_PER_REGION_SEK = 300e6  # "ca 300 mnkr vardera"
