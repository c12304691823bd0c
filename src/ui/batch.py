"""Batch scoring from a CSV file: read and validate it whole, report every bad cell, and turn
the answers into a table sorted by risk and a scored CSV.

A file with one bad row is rejected whole, so nothing of it is scored or stored: HR gets the
list of what to fix, not half a result.
"""

import csv
import io
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from src.errors import ExtractError
from src.fields import FIELDS, KEY_COLUMNS, Extract, Kind
from src.preprocessing import load_extracts
from src.schemas import MAX_BATCH_SIZE, EmployeeRecord, Prediction, record_from_values
from src.ui.explanations import Explained
from src.ui.french import decode_csv, excel_csv, french_values
from src.ui.messages import french_error
from src.ui.views import decision_text, percent, points

COLUMNS = tuple(spec.name for spec in FIELDS)
OPTIONAL_COLUMNS = ("id_employee",)
MAX_REPORTED_ERRORS = 200
ERROR_COLUMNS = ["ligne", "champ", "erreur", "valeurs autorisées"]
RESULT_COLUMNS = [
    "ligne",
    "id_employee",
    "prédiction",
    "probabilité",
    "niveau de risque",
    "principaux facteurs",
    "prediction_id",
]
#: Flags as spreadsheets write them, besides the extracts' Oui/Non.
_FLAGS = {"true": True, "false": False, "vrai": True, "faux": False, "1": True, "0": False}
_FLAG_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind is Kind.BOOLEAN)


class BatchFileError(ValueError):
    """The file cannot be scored; `errors` lists what to fix (one row per bad cell)."""

    def __init__(self, message: str, errors: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.errors = errors if errors is not None else pd.DataFrame(columns=ERROR_COLUMNS)


@dataclass(frozen=True)
class ParsedBatch:
    frame: pd.DataFrame  # the file as read, every cell a string
    records: list[EmployeeRecord]


_UNREADABLE: dict[type[Exception], str] = {
    UnicodeDecodeError: "il n'est ni en UTF-8 ni en Windows-1252 (enregistrez-le en « CSV UTF-8 »)",
    csv.Error: "la première ligne doit nommer les colonnes, séparées par `,` ou `;`",
    pd.errors.ParserError: "des lignes n'ont pas le même nombre de colonnes que l'en-tête",
    pd.errors.EmptyDataError: "il est vide",
}


def parse_batch(content: bytes) -> ParsedBatch:
    """The file's rows as validated records; raises BatchFileError with every problem found."""
    try:
        text = decode_csv(content)
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        frame = pd.read_csv(
            io.StringIO(text), sep=dialect.delimiter, dtype=str, keep_default_na=False
        )
    except (UnicodeDecodeError, csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        # The reason in the user's words; the library's own message is English and technical.
        raise BatchFileError(f"fichier illisible : {_UNREADABLE[type(err)]}") from err
    frame.columns = [str(column).strip() for column in frame.columns]
    missing = [column for column in COLUMNS if column not in frame.columns]
    unknown = [c for c in frame.columns if c not in COLUMNS and c not in OPTIONAL_COLUMNS]
    if missing or unknown:
        parts = [f"colonnes manquantes : {', '.join(missing)}"] if missing else []
        parts += [f"colonnes inconnues : {', '.join(unknown)}"] if unknown else []
        raise BatchFileError(" ; ".join(parts))
    if frame.empty:
        raise BatchFileError("le fichier ne contient aucune ligne")
    if len(frame) > MAX_BATCH_SIZE:
        raise BatchFileError(f"{len(frame)} lignes : un lot en compte au plus {MAX_BATCH_SIZE}")
    records, problems = [], []
    for line, row in enumerate(frame.to_dict("records"), start=2):  # line 1 is the header
        values = {key: value for key, value in row.items() if value != "" or key in COLUMNS}
        for name in _FLAG_FIELDS:
            values[name] = _FLAGS.get(values[name].strip().lower(), values[name])
        try:
            records.append(record_from_values(french_values(values)))
        except ValidationError as err:
            problems += [_problem(line, french_error(error)) for error in err.errors()]
    if problems:
        report = pd.DataFrame(problems[:MAX_REPORTED_ERRORS], columns=ERROR_COLUMNS)
        raise BatchFileError(
            f"{len(problems)} erreur(s) dans le fichier : rien n'a été prédit ni enregistré",
            report,
        )
    return ParsedBatch(frame, records)


def parse_extracts(files: list[bytes]) -> ParsedBatch:
    """The three raw HR extracts (SIRH, évaluation, sondage), recognised by their key column
    whatever their names, joined and cleaned as for training (`src.preprocessing`): one
    record per employee, linked by `id_employee`. Raises BatchFileError."""
    if len(files) != len(Extract):
        raise BatchFileError(f"{len(files)} fichier(s) : les trois extraits RH sont attendus")
    with tempfile.TemporaryDirectory() as folder:
        for content in files:
            header = content.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
            columns = {column.strip() for column in header.split(",")}
            found = [extract for extract in Extract if KEY_COLUMNS[extract] in columns]
            if len(found) != 1:
                raise BatchFileError(
                    "un fichier n'est aucun des trois extraits (colonnes clés attendues : "
                    + ", ".join(KEY_COLUMNS.values())
                    + ")"
                )
            (Path(folder) / found[0].value).write_bytes(content)
        try:
            clean = load_extracts(Path(folder))
        except (ExtractError, UnicodeDecodeError) as err:
            raise BatchFileError(f"extraits refusés : {err}") from err
    frame = clean[[spec.name for spec in FIELDS]].reset_index()
    if len(frame) > MAX_BATCH_SIZE:
        raise BatchFileError(f"{len(frame)} salariés : un lot en compte au plus {MAX_BATCH_SIZE}")
    try:
        records = [record_from_values(row) for row in frame.to_dict("records")]
    except ValidationError as err:  # the cleaning checks the same rules: a safety net
        raise BatchFileError(f"extraits refusés : {err}") from err
    return ParsedBatch(frame, records)


def _problem(line: int, described: dict[str, str]) -> dict[str, object]:
    return {
        "ligne": line,
        "champ": f"{described['champ']} ({described['colonne']})"
        if described["colonne"] and described["colonne"] != described["champ"]
        else described["champ"],
        "erreur": described["erreur"],
        "valeurs autorisées": described["autorisé"],
    }


def results_frame(
    parsed: ParsedBatch, predictions: list[Prediction], explained: list[Explained]
) -> pd.DataFrame:
    """One row per employee, the riskiest first; `ligne` is the line in the uploaded file."""
    rows = [
        {
            "ligne": line,
            "id_employee": record.id_employee,
            "prédiction": decision_text(prediction.prediction),
            "probabilité": percent(prediction.probability),
            "niveau de risque": prediction.risk_level,
            "principaux facteurs": top_factors(reasons),
            "prediction_id": prediction.prediction_id,
            "_order": prediction.probability,
        }
        for line, record, prediction, reasons in zip(
            range(2, len(predictions) + 2), parsed.records, predictions, explained, strict=True
        )
    ]
    frame = pd.DataFrame(rows, columns=[*RESULT_COLUMNS, "_order"])
    frame = frame.astype({"id_employee": "Int64"})
    return frame.sort_values("_order", ascending=False, kind="stable").drop(columns="_order")


def top_factors(explained: Explained, count: int = 3, raising: bool = False) -> str:
    """« Heures supplémentaires — Oui (+21,9 points) ; … »: the largest effects, or with
    `raising` the largest of those that raise the risk (why an employee is at risk)."""
    factors = [f for f in explained.factors if f.points > 0] if raising else explained.factors
    return " ; ".join(f"{factor.name} ({points(factor.points)})" for factor in factors[:count])


#: Downloads (scored files, reports) are kept this long, then removed by the next one.
DOWNLOADS_KEPT_SECONDS = 3600.0


def write_download(directory: Path, name: str, content: str | bytes) -> Path:
    """`content` as the file `name` of the downloads folder (text as UTF-8); downloads older
    than an hour are removed first, so the folder holds only recent ones (they hold HR
    records)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in directory.iterdir():
        if now - old.stat().st_mtime > DOWNLOADS_KEPT_SECONDS:
            old.unlink(missing_ok=True)
    path = directory / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def scored_frame(parsed: ParsedBatch, predictions: list[Prediction]) -> pd.DataFrame:
    """The uploaded rows with the answers appended as the API names them, in the file's
    order: the batch CLI's output, for programs."""
    return parsed.frame.assign(
        prediction=[p.prediction for p in predictions],
        probabilite=[round(p.probability, 6) for p in predictions],
        niveau_risque=[p.risk_level for p in predictions],
        prediction_id=[p.prediction_id for p in predictions],
    )


def excel_frame(
    parsed: ParsedBatch, predictions: list[Prediction], explained: list[Explained]
) -> pd.DataFrame:
    """The uploaded rows with the answers in French appended, in the file's order: the UI's
    download, for French Excel (`french.excel_csv`)."""
    return parsed.frame.assign(
        **{
            "décision": [decision_text(p.prediction) for p in predictions],
            "probabilité (%)": [round(100 * p.probability, 1) for p in predictions],
            "niveau de risque": [p.risk_level for p in predictions],
            "principaux facteurs": [top_factors(reasons) for reasons in explained],
            "prediction_id": [p.prediction_id for p in predictions],
        }
    )


def write_scored_csv(
    parsed: ParsedBatch, predictions: list[Prediction], explained: list[Explained], directory: Path
) -> Path:
    """The scored file, as a download French Excel opens as it is."""
    name = f"predictions-{predictions[0].prediction_id}.csv"
    return write_download(directory, name, excel_csv(excel_frame(parsed, predictions, explained)))
