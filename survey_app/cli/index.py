"""``flask --app survey_app index …`` and ``dossiers …``: schemes, scores, ranking, exports.

Every command is all or nothing and commits once; an error names the key or row, prints
``Error: …`` and exits 1 with nothing stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from reports.ranking import ranking_csv, ranking_xlsx
from reports.ranking_pdf import ranking_chart, ranking_pdf

from ..db import get_db
from ..services import index as index_service
from ..services import index_imports
from ..services.units import RowErrors
from .support import fail as _fail

index_group = AppGroup("index", help="Index schemes (bộ chỉ số), hand scores and the ranking.")
scores_group = AppGroup("scores", help="Hand scores (tự chấm, thẩm định) and bonus entries.")
survey_group = AppGroup("survey", help="Officials' survey answers (A/B/C/D) for option_credit.")
dossiers_group = AppGroup("dossiers", help="Dossier counts from the one-stop software.")
index_group.add_command(scores_group)
index_group.add_command(survey_group)

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
FORMATS = ("json", "xlsx", "csv", "pdf", "png")


def _row_errors(file: Path, exc: RowErrors) -> None:
    for line, problem in exc.problems:
        click.echo(f"{file}:{line}: {problem}", err=True)
    _fail(f"nothing imported ({len(exc.problems)} problem(s))")


@index_group.command("load")
@click.argument("file", type=FILE)
@click.option("--replace", is_flag=True,
              help="Replace a stored scheme with the same code and year.")
def load(file: Path, replace: bool) -> None:
    """Validate and store an index scheme (YAML or JSON); see docs/index-formulas.md."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        _fail(f"{file} is not readable YAML/JSON: {exc}")
    with get_db(current_app).transaction() as session:
        try:
            outcome = index_service.load_scheme(session, data, replace=replace)
        except index_service.SchemeLoadError as exc:
            for key, problem in exc.problems:
                click.echo(f"{file}: {key}: {problem}", err=True)
            _fail(f"nothing loaded ({len(exc.problems)} problem(s))")
        scheme = outcome.scheme
    verb = {"created": "Loaded", "replaced": "Replaced",
            "unchanged": "Already loaded, unchanged:"}[outcome.action]
    units = sum(len(b.members) for b in scheme.blocks)
    click.echo(f"{verb} {scheme.code} {scheme.year} ({len(scheme.blocks)} block(s), {units} "
               f"unit(s), {len(scheme.leaves)} scored component(s)).")


@index_group.command("list")
def list_() -> None:
    """Stored schemes, newest year first."""
    with get_db(current_app).transaction() as session:
        rows = [(r.code, r.year, r.name, r.content_hash[:12])
                for r in index_service.scheme_rows(session)]
    for code, year, name, digest in rows:
        click.echo(f"{code:<16} {year}  {digest}  {name}")


@scores_group.command("import")
@click.argument("file", type=FILE)
def scores_import(file: Path) -> None:
    """Import hand scores: CSV or XLSX with
    scheme,year,unit,component,self_score,appraised_score,note (appraised_score NA declares the
    component not applicable to the unit, with the evidence in note; component "bonus" for
    bonus and deduction entries)."""
    with get_db(current_app).transaction() as session:
        try:
            done = index_imports.import_scores(session, file.name, file.read_bytes())
        except RowErrors as exc:
            _row_errors(file, exc)
    click.echo(f"Imported {done.scores} score(s) and {done.bonus} bonus/deduction entr(ies); "
               f"{done.changed} change(s).")


@survey_group.command("import")
@click.argument("file", type=FILE)
def survey_import(file: Path) -> None:
    """Import officials' survey answers: CSV or XLSX with scheme,year,unit,component,a,b,c,d."""
    with get_db(current_app).transaction() as session:
        try:
            count = index_imports.import_survey_answers(session, file.name, file.read_bytes())
        except RowErrors as exc:
            _row_errors(file, exc)
    click.echo(f"Imported {count} item(s) of survey answers.")


@dossiers_group.command("import")
@click.argument("file", type=FILE)
def dossiers_import(file: Path) -> None:
    """Import dossier counts: CSV or XLSX with unit,from,to,handled,overdue,complaints
    [,not_satisfied]."""
    with get_db(current_app).transaction() as session:
        try:
            count = index_imports.import_dossiers(session, file.name, file.read_bytes())
        except RowErrors as exc:
            _row_errors(file, exc)
    click.echo(f"Imported {count} row(s) of dossier counts.")


@index_group.command("score")
@click.argument("code")
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (required for xlsx, pdf and png).")
def score(code: str, year: int, fmt: str, out: Path | None) -> None:
    """Score and rank a scheme: JSON (standard output without --out), XLSX, CSV, PDF or a PNG
    chart."""
    if out is None and fmt in ("xlsx", "pdf", "png"):
        _fail(f"--format {fmt} needs --out FILE")
    with get_db(current_app).transaction() as session:
        row = index_service.scheme_row(session, code, year) if 1900 <= year <= 9999 else None
        if row is None:
            _fail(f"no scheme {code} {year} is loaded (index list shows what is)")
        assert row is not None
        report = index_service.score_index(session, row)
        if fmt == "json":
            body = json.dumps(index_service.index_document(report), ensure_ascii=False,
                              indent=2).encode("utf-8") + b"\n"
        else:
            table = index_service.ranking_table(report)
            body = {"xlsx": ranking_xlsx, "csv": ranking_csv, "pdf": ranking_pdf,
                    "png": ranking_chart}[fmt](table)
    if out is None:  # json or csv: text
        click.echo(body.decode("utf-8"), nl=False)
        return
    out.write_bytes(body)
    click.echo(f"Wrote {out} ({len(body)} bytes).")

