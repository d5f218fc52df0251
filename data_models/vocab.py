"""Closed vocabularies of the domain (DOMAIN.md §1, §3, §6, §8)."""

POLARITIES = ("higher", "lower")
FREQUENCIES = ("monthly", "quarterly", "termly", "annual", "biennial", "triennial")
PERIOD_BASES = ("financial", "academic", "calendar", "rolling_12_months", "three_year_pooled")
OUTCOME_TYPES = ("mandatory", "optional", "local")
MEASURES = ("level", "cumulative")
VALUE_STATUSES = ("provisional", "final")
DATA_QUALITY_GRADES = ("audited", "checked", "not_checked")
AGREEMENT_STATUSES = ("draft", "signed")
VERDICTS = ("agreed", "challenged")
ACTION_STATUSES = ("open", "done", "dropped")  # the GO's verdict on a proposed target
PARTNERSHIP_KINDS = ("executive", "thematic")
RECIPIENT_TYPES = ("department", "go", "regulator", "lsp_board")
REPORTING_STATUSES = ("continues", "stops", "replaced")
CAPACITY_LEVELS = ("strong", "adequate", "developing", "weak")  # best first
CAPACITY_KINDS = ("go", "self")
SIGNOFF_RECOMMENDATIONS = ("ready", "ready_with_conditions", "not_ready")
