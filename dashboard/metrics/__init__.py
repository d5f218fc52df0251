"""Pure performance maths of the LAA dashboard (DOMAIN §4, §5, §8).

Functions over polars DataFrames with no I/O, no UI and no system clock: anything that
depends on "today" takes ``as_at``. Reward money is exact (see :mod:`.reward`).
"""

from dashboard.metrics.assess import ASSESSMENT_COLUMNS, area_summary, assess, block_assessment
from dashboard.metrics.forecast import forecast
from dashboard.metrics.periods import label_periods, period_ends, period_label, period_label_expr
from dashboard.metrics.reward import (
    MONEY,
    achieved_fraction,
    agreement_keys,
    exact_shares,
    fraction_text,
    maximum_prg,
    money,
    money_text,
    paid_fraction,
    pump_priming_grant,
    reward_amount,
    reward_frame,
    reward_shares,
)
from dashboard.metrics.schema import (
    ACTUALS_SCHEMA,
    AGREEMENTS_SCHEMA,
    MILESTONES_SCHEMA,
    TARGETS_SCHEMA,
)
from dashboard.metrics.series import tracked_actuals
from dashboard.metrics.trajectory import (
    anchors,
    expected_values,
    trajectory_lines,
    with_threshold_values,
)

__all__ = [
    "ACTUALS_SCHEMA",
    "AGREEMENTS_SCHEMA",
    "ASSESSMENT_COLUMNS",
    "MILESTONES_SCHEMA",
    "MONEY",
    "TARGETS_SCHEMA",
    "achieved_fraction",
    "agreement_keys",
    "anchors",
    "area_summary",
    "assess",
    "block_assessment",
    "exact_shares",
    "expected_values",
    "forecast",
    "fraction_text",
    "label_periods",
    "maximum_prg",
    "money",
    "money_text",
    "paid_fraction",
    "period_ends",
    "period_label",
    "period_label_expr",
    "pump_priming_grant",
    "reward_amount",
    "reward_frame",
    "reward_shares",
    "tracked_actuals",
    "trajectory_lines",
    "with_threshold_values",
]
