"""The `laa` command line: migrate, seed, import, sign and export.

It works from any folder (migrations and seed files are found through the package). Without
`--as` it acts as the operator, the person who runs the server and holds its database
credentials: an administrator, recorded as `cli:<operating-system user>`. `--as USER` acts as
that user, with exactly their roles, and is refused for a name that is not an active user.
Exports write CSV to stdout (or `-o FILE`) and nothing else to stdout; messages go to stderr.
Every CSV and workbook goes through `formatting.spreadsheet_safe` (no formulas in cells).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy import inspect
from typer.core import TyperGroup

from dashboard import db, store
from dashboard.access import AccessDenied
from dashboard.formatting import spreadsheet_safe


class _Commands(TyperGroup):
    """Every command: a refusal of the acting user's rights is a message and exit 1 (the
    store refused before writing anything, and logged it), never a traceback."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except AccessDenied as exc:
            _err(f"refused: {exc}")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Commands,
    help=(
        "LAA performance dashboard: database, demo data, imports and exports. Runs as the "
        "operator (an administrator, recorded as cli:<OS user>) unless --as names a user."
    ),
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
seed_app = typer.Typer(help="Demo and scale (national, stress) data.", no_args_is_help=True)
import_app = typer.Typer(help="Import CSV or XLSX files (all or nothing).", no_args_is_help=True)
agreement_app = typer.Typer(help="Agreements.", no_args_is_help=True)
export_app = typer.Typer(help="Exports as CSV.", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles (grants).", no_args_is_help=True)
review_app = typer.Typer(help="The GO six-monthly review.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(import_app, name="import")
app.add_typer(agreement_app, name="agreement")
app.add_typer(export_app, name="export")
app.add_typer(user_app, name="user")
app.add_typer(review_app, name="review")

_state: dict[str, str | None] = {"as_user": None}
_acting: dict[str, store.Actor] = {}  # the --as user, looked up once per command


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _engine():  # type: ignore[no-untyped-def]
    return db.get_engine()


def _actor() -> store.Actor:
    """Who the command acts as: the operator (an administrator, recorded as `cli:<OS user>`)
    or, with `--as`, that user with their own roles; an unknown or disabled name exits 1."""
    name = _state["as_user"]
    if name is None:
        return store.cli_actor()
    if name not in _acting:
        from dashboard import accounts

        engine = _engine()
        found = accounts.actor_for(engine, name) if inspect(engine).has_table("app_user") else None
        if found is None:
            from dashboard import security

            security.refused(name, "act through the command line (not an active user)")
            _err(f"--as: '{name}' is not an active user of this database")
            raise typer.Exit(1)
        _acting[name] = found
    return _acting[name]


def _parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _err(f"{option}: '{text}' is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from None


@app.callback()
def main_options(
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Act as this user, with their roles only (default: the operator, an "
            "administrator recorded as cli:<OS user>).",
        ),
    ] = None,
) -> None:
    """Options for every command."""
    _state["as_user"] = as_user
    _acting.clear()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version and load the reference lists."""
    if _state["as_user"] is not None and not _actor().is_admin:
        store.deny(_actor(), "upgrade the database")  # logged; exits 1 (see _Commands)
    store.upgrade()
    _err(f"database is up to date: {_safe_url()}")


def _safe_url() -> str:
    return _engine().url.render_as_string(hide_password=True)


@seed_app.command("demo")
def seed_demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when areas exist.")
    ] = False,
    seed: Annotated[
        int, typer.Option(help="Random seed (the same seed gives the same data).")
    ] = 2005,
) -> None:
    """Fill the database with the deterministic demo: 26 fictional areas in the 9 regions."""
    from seed_data.demo import seed_demo as run_seed

    actor = _actor()  # an unknown --as name is refused before anything is written
    store.upgrade()
    engine = _engine()
    if store.area_has_data(engine):
        if if_empty:
            _err("the database already has areas: demo data not added")
            return
        _err("the database already has areas: seed the demo into an empty database")
        raise typer.Exit(1)
    summary = run_seed(engine, actor, seed=seed, with_packs=True)
    _err(f"demo data added: {summary}")


def _seed_scale(
    name: str, if_empty: bool, seed: int, areas: int | None, indicators: int | None,
    years: int | None,
) -> None:  # fmt: skip
    """`laa seed national` / `stress`: the scale seeds of seed_data/national.py."""
    from dataclasses import replace

    from seed_data import national

    actor = _actor()
    base = national.NATIONAL if name == "national" else national.STRESS
    sizes = {"areas": areas, "indicators": indicators, "years": years}
    for option, value in sizes.items():
        if value is not None and value < 1:
            _err(f"--{option}: give a whole number of at least 1")
            raise typer.Exit(2)
    scale = replace(base, **{k: v for k, v in sizes.items() if v is not None})
    store.upgrade()
    engine = _engine()
    if store.area_has_data(engine):
        if if_empty:
            _err(f"the database already has areas: {name} data not added")
            return
        _err(f"the database already has areas: seed the {name} data into an empty database")
        raise typer.Exit(1)
    summary = national.seed_scale(
        engine, actor, scale, seed=seed, progress=lambda done, total: _err(f"{done}/{total} areas")
    )
    _err(f"{name} data added: {summary}")


IfEmpty = Annotated[bool, typer.Option("--if-empty", help="Do nothing when areas exist.")]
SeedOption = Annotated[int, typer.Option(help="Random seed (the same seed gives the same data).")]
AreasOption = Annotated[int | None, typer.Option(help="Number of areas (a smaller trial).")]
IndicatorsOption = Annotated[
    int | None, typer.Option(help="Indicators in the framework (a smaller trial).")
]
YearsOption = Annotated[int | None, typer.Option(help="Years of values (a smaller trial).")]


@seed_app.command("national")
def seed_national(
    if_empty: IfEmpty = False,
    seed: SeedOption = 2005,
    areas: AreasOption = None,
    indicators: IndicatorsOption = None,
    years: YearsOption = None,
) -> None:
    """A national-sized fictional database: 150 areas in 9 regions, 200 indicators, quarterly
    values over 7 years (about 0.8 million revisions)."""
    _seed_scale("national", if_empty, seed, areas, indicators, years)


@seed_app.command("stress")
def seed_stress(
    if_empty: IfEmpty = False,
    seed: SeedOption = 2005,
    areas: AreasOption = None,
    indicators: IndicatorsOption = None,
    years: YearsOption = None,
) -> None:
    """A stress-test database: 350 areas, 200 indicators, monthly values over 10 years
    (about 8 million revisions)."""
    _seed_scale("stress", if_empty, seed, areas, indicators, years)


def _import(kind: str, file: Path, dry_run: bool, override_lock: str | None = None) -> None:
    from dashboard.importer import import_file
    from dashboard.tabular import OPERATOR, native_output_to_log

    if not file.exists():
        _err(f"{file}: no such file")
        raise typer.Exit(2)
    with native_output_to_log():  # a reader's panic text is not the user's message
        # The operator's own file: a national file is larger than a page's upload may be.
        result = import_file(
            _engine(),
            _actor(),
            kind,
            file,
            dry_run=dry_run,
            override_lock=override_lock,
            limits=OPERATOR,
        )
    _err(result.describe())
    if not result.ok:
        raise typer.Exit(1)
    if not dry_run and result.rows > db.BULK_LOAD_ROWS:
        db.refresh_statistics(_engine())


FileArg = Annotated[Path, typer.Argument(help="CSV, or XLSX (first sheet), with a header row.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")]


@import_app.command("areas")
def import_areas(file: FileArg, dry_run: DryRun = False) -> None:
    """Areas and their (draft) agreements."""
    _import("areas", file, dry_run)


@import_app.command("indicators")
def import_indicators(file: FileArg, dry_run: DryRun = False) -> None:
    """Indicators of the framework."""
    _import("indicators", file, dry_run)


@import_app.command("targets")
def import_targets(file: FileArg, dry_run: DryRun = False) -> None:
    """Targets; a changed target adds a version, reward targets of signed agreements are frozen."""
    _import("targets", file, dry_run)


@import_app.command("actuals")
def import_actuals(
    file: FileArg,
    dry_run: DryRun = False,
    override_lock: Annotated[
        str | None,
        typer.Option("--override-lock", help="Write into locked periods; the reason is audited."),
    ] = None,
) -> None:
    """Actual values; a changed value, status or grade adds a revision."""
    _import("actuals", file, dry_run, override_lock)


@import_app.command("reporting-lines")
def import_reporting_lines(file: FileArg, dry_run: DryRun = False) -> None:
    """Reporting lines: indicator, recipient, return, frequency and its status under the LAA."""
    _import("reporting_lines", file, dry_run)


@import_app.command("capacity-framework")
def import_capacity_framework(file: FileArg) -> None:
    """The capacity assessment framework: one characteristic a row (code, name, condition,
    description, display_order, strong, adequate, developing, weak, active); a changed row
    updates it, active=false retires it (never deleted)."""
    from dashboard.tabular import OPERATOR, UnreadableFile, native_output_to_log, read_table

    if not file.exists():
        _err(f"{file}: no such file")
        raise typer.Exit(2)
    try:
        with native_output_to_log():
            table = read_table(file, OPERATOR)
    except UnreadableFile as exc:
        _err(f"{file}: {exc}")
        raise typer.Exit(1) from None
    columns = store.CAPACITY_FRAMEWORK_COLUMNS
    required = [c for c in columns if c not in ("description", "display_order", "active")]
    problems = [f"column {c}: required column is missing" for c in required if c not in table]
    problems += [f"column {c}: unknown column" for c in table.columns if c not in columns]
    if not problems:
        try:
            summary = store.save_capacity_framework(
                _engine(), _actor(), table.to_dicts(), first_row=2
            )
        except store.RuleViolation as exc:
            problems = getattr(exc, "problems", [str(exc)])
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        _err("\n".join([f"{file}: refused, nothing was written ({count})", *problems]))
        raise typer.Exit(1)
    _err(
        f"{file}: {table.height} characteristics; added {summary.inserted}, updated "
        f"{summary.updated}, unchanged {summary.unchanged}"
    )


@app.command("lock")
def lock(
    area: Annotated[str, typer.Option("--area", help="Area code.")],
    through: Annotated[
        str | None, typer.Option("--through", help="Lock periods ending on or before DATE.")
    ] = None,
    unlock: Annotated[bool, typer.Option("--unlock", help="Remove the lock.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (audited).")] = None,
) -> None:
    """Lock an area's periods after the board has seen them (or --unlock)."""
    if unlock == (through is not None):
        _err("give either --through DATE or --unlock")
        raise typer.Exit(2)
    store.lock_periods(_engine(), _actor(), area, _parse_date(through, "--through"), reason)
    _err(f"{area}: periods locked through {through}" if through else f"{area}: unlocked")


@agreement_app.command("sign")
def agreement_sign(
    area: Annotated[str, typer.Option("--area", help="Area code.")],
    on: Annotated[str, typer.Option("--date", help="Signing date, YYYY-MM-DD.")],
) -> None:
    """Sign an area's agreement: from then on its reward targets are frozen."""
    signed = _parse_date(on, "--date")
    assert signed is not None
    try:
        store.sign_agreement(_engine(), _actor(), area, signed)
    except store.RuleViolation as exc:
        _err(str(exc))
        raise typer.Exit(1) from None
    _err(f"the agreement of {area} is signed ({signed})")


def _write_csv(frame, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    frame = spreadsheet_safe(frame)  # a cell like =HYPERLINK(...) opens as text, not a formula
    if output is None:
        sys.stdout.write(frame.write_csv())
    else:
        frame.write_csv(output)
        _err(f"wrote {frame.height} rows to {output}")


def _export(
    kind: str, area: str, as_at: str | None, output: Path | None, known_at: str | None = None
) -> None:
    from dashboard.reports import exports

    engine = _engine()
    when = _parse_date(as_at, "--as-at") or store.business_today(engine)
    known = set(store.list_areas(engine, _actor())["area_code"].to_list())
    if area not in known:
        _err(f"--area: '{area}' is not a known area code")
        raise typer.Exit(2)
    builder = {"reward": exports.reward_export, "status": exports.status_export}[kind]
    moment = _known_at(known_at) if known_at else None
    _write_csv(builder(engine, _actor(), area, when, moment), output)


@agreement_app.command("document")
def agreement_document(
    area: Annotated[str, typer.Option("--area", help="Area code.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF file to write.")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the same content as a web page.")
    ] = None,
) -> None:
    """The single LAA document of the area's latest agreement: the signed document as it was
    signed, else the draft as it stands (the same file the negotiation page builds today)."""
    from dashboard import documents
    from dashboard.reports import agreement_document as build

    engine = _engine()
    try:
        agreement = store.latest_agreement(engine, _actor(), area)
        signed = (
            store.signed_document(engine, _actor(), int(agreement["agreement_id"]))
            if agreement is not None
            else None
        )
        if signed is not None:
            pdf, page, fingerprint = (
                signed["document_pdf"],
                signed["document_html"],
                signed["document_sha256"],
            )
        else:
            made = build.area_document(engine, _actor(), area, store.business_today(engine))
            pdf = documents.render_pdf(made.document)
            page, fingerprint = documents.render_html(made.document), made.fingerprint
    except (store.RuleViolation, documents.DocumentError) as exc:
        _err(str(exc))
        raise typer.Exit(1) from None
    output.write_bytes(pdf)
    if html is not None:
        html.write_text(page, encoding="utf-8")
    _err(
        f"{'signed' if signed is not None else 'draft'} LAA document of {area} written to "
        f"{output} (fingerprint {fingerprint})"
    )


AreaOpt = Annotated[str, typer.Option("--area", help="Area code.")]
AsAtOpt = Annotated[
    str | None, typer.Option("--as-at", help="Business date (default: the app's today).")
]
OutOpt = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write to FILE instead of stdout.")
]


@export_app.command("pack")
def export_pack(
    area: AreaOpt,
    meeting: Annotated[str, typer.Option("--meeting", help="The meeting's date, YYYY-MM-DD.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF file to write.")],
    partnership: Annotated[
        str | None, typer.Option("--partnership", help="A thematic partnership's pack.")
    ] = None,
    known_at: Annotated[
        str | None,
        typer.Option("--known-at", help="Only what was recorded by then (YYYY-MM-DD[THH:MM])."),
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also the web page.")] = None,
) -> None:
    """The board pack of a meeting (the board's, or --partnership's), built as the meetings page
    builds it: as known now, or --known-at a past moment (the end of that day for a date)."""
    import polars as pl

    from dashboard import documents
    from dashboard.reports import board_pack

    day = _parse_date(meeting, "--meeting")
    engine = _engine()
    try:
        found = store.meetings(engine, _actor(), area).filter(
            (pl.col("meets_on") == day)
            & (pl.col("partnership").is_null() if partnership is None
               else pl.col("partnership") == partnership)
        )  # fmt: skip
        if found.is_empty():
            raise store.RuleViolation(
                f"{area} has no meeting of {partnership or store.BOARD} on {day}"
            )
        moment = _known_at(known_at) if known_at else store.known_now(engine)
        document, fingerprint, _ = board_pack.meeting_pack(
            engine, _actor(), int(found["meeting_id"][0]), moment
        )
        output.write_bytes(documents.render_pdf(document))
        if html is not None:
            html.write_text(documents.render_html(document), encoding="utf-8")
    except (store.RuleViolation, documents.DocumentError) as exc:
        _err(str(exc))
        raise typer.Exit(1) from None
    _err(f"board pack written to {output}, as known at {moment:%Y-%m-%d %H:%M} (fingerprint "
         f"{fingerprint})")  # fmt: skip


def _known_at(text: str) -> datetime:
    """`YYYY-MM-DD` (the end of that day) or `YYYY-MM-DDTHH:MM`, in UTC."""
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        day = date.fromisoformat(text)
    except ValueError:
        _err(f"--known-at: {text!r} is not a date or a date and time (YYYY-MM-DD[THH:MM])")
        raise typer.Exit(2) from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


KnownAtOpt = Annotated[
    str | None,
    typer.Option(
        "--known-at", help="Only the values recorded by then (YYYY-MM-DD: its end; or THH:MM)."
    ),
]


@export_app.command("reward")
def export_reward(
    area: AreaOpt, as_at: AsAtOpt = None, output: OutOpt = None, known_at: KnownAtOpt = None
) -> None:
    """One row per reward target: assessed value, achieved and paid fractions, reward in £."""
    _export("reward", area, as_at, output, known_at)


@export_app.command("status")
def export_status(
    area: AreaOpt, as_at: AsAtOpt = None, output: OutOpt = None, known_at: KnownAtOpt = None
) -> None:
    """One row per target: latest value, expected value, RAG, direction, forecast."""
    _export("status", area, as_at, output, known_at)


@export_app.command("capacity")
def export_capacity(area: AreaOpt, output: OutOpt = None) -> None:
    """Every capacity assessment of an area (GO and self), one row per assessment x
    characteristic, oldest first, with the overall judgement and the sign-off recommendation."""
    from dashboard.reports.capacity import capacity_export

    engine = _engine()
    try:
        store.check_areas_exist(engine, [area])
    except store.RuleViolation:
        _err(f"--area: '{area}' is not a known area code")
        raise typer.Exit(2) from None
    assessments, ratings = store.capacity_assessments(engine, _actor(), area)  # read check
    framework = store.capacity_framework(engine, include_retired=True)
    _write_csv(capacity_export(framework, assessments, ratings), output)


# ---- upward returns (issue 6): a department's return and the GO review pack
XlsxOpt = Annotated[
    Path | None,
    typer.Option("--xlsx", help="Also write an Excel workbook to FILE (-o FILE.xlsx does too)."),
]


def _refused(exc: Exception) -> NoReturn:
    _err(str(exc))
    raise typer.Exit(1) from None


def _write_report(report, output: Path | None, xlsx: Path | None) -> None:  # type: ignore[no-untyped-def]
    """CSV to -o or stdout, Excel to --xlsx or an -o ending in .xlsx; stdout gets CSV only
    (and nothing at all when the only output asked for is a workbook)."""
    for path in (xlsx, output):
        if path is not None and path.suffix.lower() == ".xlsx":
            path.write_bytes(report.excel_bytes())
            _err(f"wrote the workbook {path}")
    if output is not None and output.suffix.lower() != ".xlsx":
        output.write_bytes(report.csv_bytes())
        _err(f"wrote {report.table().height} rows to {output}")
    elif output is None and xlsx is None:
        sys.stdout.write(report.csv_bytes().decode("utf-8"))
        sys.stdout.flush()


@export_app.command("return")
def export_return(
    department: Annotated[str, typer.Option("--department", help="Department code (e.g. HO).")],
    period: Annotated[
        str,
        typer.Option("--period", help="Each indicator's latest period ending on or before DATE."),
    ],
    as_at: AsAtOpt = None,
    output: OutOpt = None,
    xlsx: XlsxOpt = None,
) -> None:
    """A department's return: one row per return x area x indicator, empty value if not reported.

    Lines addressed to a predecessor or successor count (ODPM for DCLG, DfES for DCSF and
    DIUS); every area with a target on the indicator has a row.
    """
    from dashboard.access import AccessDenied
    from dashboard.reports.returns import department_return

    engine = _engine()
    day = _parse_date(period, "--period")
    assert day is not None
    when = _parse_date(as_at, "--as-at") or store.business_today(engine)
    if department not in set(store.departments(engine)["code"]):
        _err(f"--department: '{department}' is not a known department code")
        raise typer.Exit(2)
    try:
        built = department_return(engine, _actor(), department, day, when)
    except (store.RuleViolation, AccessDenied) as exc:
        _refused(exc)
    n = built.counts()
    _err(
        f"{department} return, periods ending on or before {day}, as at {when}: "
        f"{n['rows']} rows, {n['reported']} reported, {n['missing']} missing, "
        f"{n['not_yet_due']} not yet due"
    )
    _write_report(built, output, xlsx)


@export_app.command("review")
def export_review(
    area: AreaOpt,
    period: Annotated[str, typer.Option("--period", help="The pack as at DATE (e.g. 2008-09-30).")],
    output: OutOpt = None,
    xlsx: XlsxOpt = None,
) -> None:
    """The GO six-monthly review pack of an area: one row per block with its three-axis
    self-assessment, status counts, reward forecast and exceptions with commentary."""
    from dashboard.access import AccessDenied
    from dashboard.reports.review import review_pack

    engine = _engine()
    day = _parse_date(period, "--period")
    assert day is not None
    today = store.business_today(engine)
    if day > today:
        _err(f"--period: {day} is after today ({today}): that pack cannot be built yet")
        raise typer.Exit(2)
    if area not in set(store.list_areas(engine, _actor())["area_code"]):
        _err(f"--area: '{area}' is not a known area code")
        raise typer.Exit(2)
    try:
        pack = review_pack(engine, _actor(), area, day)
    except (store.RuleViolation, AccessDenied) as exc:
        _refused(exc)
    _err(f"{area} review pack as at {day} (half-year ending {pack.review}): {pack.signoff}")
    _write_report(pack, output, xlsx)


@review_app.command("signoff")
def review_signoff(
    area: AreaOpt,
    period: Annotated[
        str,
        typer.Option("--period", help="A date in the half-year (30 Sep / 31 Mar reviews)."),
    ],
    note: Annotated[str | None, typer.Option("--note", help="A note (audited).")] = None,
    reopen: Annotated[
        bool, typer.Option("--reopen", help="Take the sign-off back instead.")
    ] = False,
) -> None:
    """Mark an area's six-monthly review pack as reviewed (the GO sign-off), or --reopen it."""
    from dashboard.access import AccessDenied
    from dashboard.reports.returns import review_period

    day = _parse_date(period, "--period")
    assert day is not None
    review = review_period(day)
    state = "reopened" if reopen else "reviewed"
    try:
        store.mark_review(_engine(), _actor(), area, review, state=state, note=note)
    except (store.RuleViolation, AccessDenied) as exc:
        _refused(exc)
    _err(f"{area}: the review of the half-year ending {review} is {state}")


# ---- export audit: the audit trail as CSV (see dashboard/reports/audit.py)
@export_app.command("audit")
def export_audit(
    area: Annotated[
        str | None, typer.Option("--area", help="Only this area's changes (default: all).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only changes recorded on or after this day.")
    ] = None,
    output: OutOpt = None,
) -> None:
    """One row per change: at, user, action, area, indicator, period, before, after, reason."""
    from dashboard.reports import audit

    engine = _engine()
    day = _parse_date(since, "--since")
    if area is not None and area not in set(store.list_areas(engine, _actor())["area_code"]):
        _err(f"--area: '{area}' is not a known area code")
        raise typer.Exit(2)
    _write_csv(audit.export_table(store.audit_frame(engine, _actor(), area, day)), output)


RoleArg = Annotated[
    str, typer.Argument(help="admin, officer, board, lead, go, department or viewer")
]
ScopeArea = Annotated[
    str | None, typer.Option("--area", help="Area code (officer, board, lead, viewer).")
]
ScopePartnership = Annotated[
    str | None, typer.Option("--partnership", help="Thematic partnership name (lead).")
]
ScopeRegion = Annotated[str | None, typer.Option("--region", help="Region code (go).")]
ScopeDepartment = Annotated[str | None, typer.Option("--department", help="Department code.")]


def _grant(
    role: str, area: str | None, partnership: str | None, region: str | None, department: str | None
):  # type: ignore[no-untyped-def]
    from dashboard.access import SCOPE_OF_ROLE, Grant

    given = {
        "area_code": area,
        "partnership": partnership,
        "region_code": region,
        "department_code": department,
    }
    extra = [
        k for k, v in given.items() if v and role in SCOPE_OF_ROLE and k not in SCOPE_OF_ROLE[role]
    ]
    try:
        if extra:
            raise ValueError(f"a {role} grant takes no {', '.join(extra)}")
        return Grant(role, **{k: v for k, v in given.items() if v})
    except ValueError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None


def _account(change, *args):  # type: ignore[no-untyped-def]
    """Run one user-management step as the acting user; a refusal exits 1."""
    from dashboard import accounts

    try:
        return change(_engine(), _actor(), *args)
    except AccessDenied:
        _err("refused: only administrators manage users")  # the Users page's words
        raise typer.Exit(1) from None
    except accounts.AccountError as exc:
        _err(str(exc))
        raise typer.Exit(1) from None


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="User name (sign-in name).")],
    name: Annotated[str, typer.Option("--name", help="Full name.")] = "",
    email: Annotated[str | None, typer.Option("--email", help="Email (single sign-on).")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password", help="Initial password; asked for when omitted (empty: SSO only)."
        ),
    ] = None,
) -> None:
    """Add a user. Passwords are stored only as argon2 hashes."""
    from dashboard import accounts

    if password is None:
        password = typer.prompt("Password (empty for single sign-on only)", default="", hide_input=True,
                                confirmation_prompt=True, show_default=False)  # fmt: skip
    _account(accounts.add_user, username, name or username, password or None, email)
    _err(f"added user {username.strip().lower()}")


@user_app.command("grant")
def user_grant(
    username: str,
    role: RoleArg,
    area: ScopeArea = None,
    partnership: ScopePartnership = None,
    region: ScopeRegion = None,
    department: ScopeDepartment = None,
) -> None:
    """Give a user a role with its scope (e.g. `laa user grant jo lead --area D10 --partnership "..."`)."""
    from dashboard import accounts

    grant = _grant(role, area, partnership, region, department)
    done = _account(accounts.grant, username, grant)
    _err(
        f"granted {grant.describe()} to {username}"
        if done
        else f"{username} already had {grant.describe()}"
    )


@user_app.command("revoke")
def user_revoke(
    username: str,
    role: RoleArg,
    area: ScopeArea = None,
    partnership: ScopePartnership = None,
    region: ScopeRegion = None,
    department: ScopeDepartment = None,
) -> None:
    """Take a role away from a user."""
    from dashboard import accounts

    grant = _grant(role, area, partnership, region, department)
    done = _account(accounts.revoke, username, grant)
    if not done:
        _err(f"{username} does not hold {grant.describe()}")
        raise typer.Exit(1)
    _err(f"revoked {grant.describe()} from {username}")


@user_app.command("unlock")
def user_unlock(username: str) -> None:
    """Clear every sign-in delay of a user (after a flood of wrong passwords); logged."""
    from dashboard import accounts

    cleared = _account(accounts.unlock, username)
    name = username.strip().lower()
    _err(f"cleared the sign-in delays of {name}" if cleared else f"{name} had no sign-in delays")


@user_app.command("list")
def user_list() -> None:
    """Users with their roles, as CSV on stdout."""
    from dashboard import accounts

    _write_csv(_account(accounts.list_users), None)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
