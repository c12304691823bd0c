"""Batch files: read whole, every bad cell reported with its line, answers sorted by risk."""

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from src.fields import Extract
from src.schemas import MAX_BATCH_SIZE, Prediction
from src.ui.batch import (
    DOWNLOADS_KEPT_SECONDS,
    BatchFileError,
    ParsedBatch,
    parse_batch,
    parse_extracts,
    results_frame,
    write_scored_csv,
)
from src.ui.explanations import Explained, explain_many
from tests.conftest import DATA_DIR, EMPLOYEE_1
from tests.ui.conftest import csv_bytes


def _prediction(prediction_id: str, probability: float) -> Prediction:
    return Prediction(
        prediction_id=prediction_id,
        prediction="Part" if probability >= 0.3 else "Reste",
        probability=probability,
        threshold=0.3,
        risk_level="élevé" if probability >= 0.3 else "faible",
        model_version="1.0.0",
        explanation=[{"feature": "heures_supplementaires", "contribution": 1.0}],
        explanation_baseline=-1.0,
    )


def _explained(parsed: ParsedBatch, predictions: list[Prediction]) -> list[Explained]:
    return explain_many(predictions, [record.model_dump() for record in parsed.records])


def _french_excel(rows: list[dict], encoding: str) -> bytes:
    """`rows` as French Excel saves them: `;`, decimal commas, Oui/Non, in `encoding`."""
    frame = pd.DataFrame(rows).replace({True: "Oui", False: "Non"})
    return frame.to_csv(index=False, sep=";", decimal=",").encode(encoding)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_a_french_excel_file_reads_as_the_same_employees(encoding: str) -> None:
    """Windows-1252 (French Excel's default), UTF-8 with or without a BOM; `;` and decimal
    commas (`5993,5`), accents (`Marié(e)`) intact."""
    rows = [{**EMPLOYEE_1, "revenu_mensuel": 5993.5, "statut_marital": "Marié(e)"}, EMPLOYEE_1]
    content = _french_excel(rows, encoding)
    assert b"5993,5" in content and b";" in content
    parsed = parse_batch(content)
    assert [r.revenu_mensuel for r in parsed.records] == [5993.5, EMPLOYEE_1["revenu_mensuel"]]
    assert parsed.records[0].statut_marital == "Marié(e)"
    assert parsed.records[1].model_dump(exclude={"id_employee"}) == {
        k: v for k, v in EMPLOYEE_1.items() if k != "id_employee"
    }


def test_numbers_with_thousands_apart_are_read_and_a_malformed_one_is_refused() -> None:
    rows = [
        {**EMPLOYEE_1, "revenu_mensuel": "12 345,5"},
        {**EMPLOYEE_1, "revenu_mensuel": "9,50,5"},
    ]
    with pytest.raises(BatchFileError) as refused:
        parse_batch(csv_bytes(rows, delimiter=";"))
    [problem] = refused.value.errors.to_dict("records")
    assert problem["ligne"] == 3 and "« 9,50,5 »" in problem["erreur"]
    assert parse_batch(csv_bytes(rows[:1], delimiter=";")).records[0].revenu_mensuel == 12345.5


def test_a_valid_file_gives_one_record_per_row_in_order() -> None:
    rows = [EMPLOYEE_1, {**EMPLOYEE_1, "age": 30}]
    parsed = parse_batch(csv_bytes(rows))
    assert [record.age for record in parsed.records] == [41, 30]


@pytest.mark.parametrize(
    ("cell", "expected"), [("Oui", True), ("Non", False), ("true", True), ("FALSE", False)]
)
def test_flags_are_read_as_the_extracts_and_spreadsheets_write_them(
    cell: str, expected: bool
) -> None:
    parsed = parse_batch(csv_bytes([{**EMPLOYEE_1, "heures_supplementaires": cell}]))
    assert parsed.records[0].heures_supplementaires is expected


def test_semicolons_percent_signs_and_an_id_column_are_accepted() -> None:
    row = {"id_employee": "7", **EMPLOYEE_1, "augmentation_salaire_precedente": "11 %"}
    parsed = parse_batch(csv_bytes([row], delimiter=";"))
    assert parsed.records[0].id_employee == 7
    assert parsed.records[0].augmentation_salaire_precedente == 11


def test_every_bad_cell_is_reported_with_its_line_and_what_is_allowed() -> None:
    rows = [EMPLOYEE_1, {**EMPLOYEE_1, "genre": "X"}, {**EMPLOYEE_1, "age": "", "genre": "Z"}]
    with pytest.raises(BatchFileError, match="3 erreur") as caught:
        parse_batch(csv_bytes(rows))
    report = caught.value.errors.to_dict("records")
    assert [(r["ligne"], r["champ"]) for r in report] == [
        (3, "Genre (genre)"),
        (4, "Âge (age)"),
        (4, "Genre (genre)"),
    ]
    assert report[0]["valeurs autorisées"] == "F, M"
    assert [r["erreur"] for r in report] == [
        "« X » n'est pas une des valeurs proposées",
        "valeur manquante",
        "« Z » n'est pas une des valeurs proposées",
    ]


def test_missing_and_unknown_columns_are_named() -> None:
    row = {key: value for key, value in EMPLOYEE_1.items() if key != "age"} | {"salaire": 1}
    with pytest.raises(BatchFileError, match="manquantes : age ; colonnes inconnues : salaire"):
        parse_batch(csv_bytes([row]))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"age\x81\x8d,genre\n41,F\n", "ni en UTF-8 ni en Windows-1252"),
        (b"", "la première ligne doit nommer les colonnes"),
        (b"age\n41\n", "la première ligne doit nommer les colonnes"),
        (b"age,genre\n41,F\n42,M,1\n", "pas le même nombre de colonnes"),
        (csv_bytes([EMPLOYEE_1]).split(b"\n")[0] + b"\n", "aucune ligne"),
    ],
)
def test_unreadable_or_empty_files_are_refused_in_the_users_words(
    content: bytes, message: str
) -> None:
    with pytest.raises(BatchFileError, match=message) as refused:
        parse_batch(content)
    assert str(refused.value.__cause__) not in str(refused.value)  # not the library's words


def test_a_file_over_the_batch_limit_is_refused() -> None:
    header, row = csv_bytes([EMPLOYEE_1]).decode().splitlines()
    content = "\n".join([header, *[row] * (MAX_BATCH_SIZE + 1)]).encode()
    with pytest.raises(BatchFileError, match=f"au plus {MAX_BATCH_SIZE}"):
        parse_batch(content)


def test_results_are_sorted_by_risk_and_keep_the_file_line() -> None:
    parsed = parse_batch(csv_bytes([EMPLOYEE_1, EMPLOYEE_1, EMPLOYEE_1]))
    predictions = [_prediction("a", 0.2), _prediction("b", 0.9), _prediction("c", 0.5)]
    table = results_frame(parsed, predictions, _explained(parsed, predictions))
    assert table["ligne"].tolist() == [3, 4, 2]
    assert table["probabilité"].tolist() == ["90 %", "50 %", "20 %"]
    # Its one contribution, 1.0 in logit from a baseline of -1: expit(0) - expit(-1) = 0.231.
    assert table["principaux facteurs"].iloc[0] == "Heures supplémentaires — Oui (+23,1 points)"


def test_the_scored_csv_is_the_file_plus_the_answers_for_french_excel(
    tmp_path: Path,
) -> None:
    """UTF-8 with a BOM, `;`, decimal commas, the decision in words and the top factors; a
    download older than an hour is removed by the next one."""
    stale = tmp_path / "predictions-old.csv"
    stale.write_text("old")
    an_hour_ago = time.time() - DOWNLOADS_KEPT_SECONDS - 1
    os.utime(stale, (an_hour_ago, an_hour_ago))
    parsed = parse_batch(csv_bytes([EMPLOYEE_1, {**EMPLOYEE_1, "age": 30}]))
    predictions = [_prediction("a", 0.2534), _prediction("b", 0.9)]
    path = write_scored_csv(parsed, predictions, _explained(parsed, predictions), tmp_path)
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and b";25,3;" in content
    scored = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    assert scored["age"].tolist() == [41, 30]
    assert scored["probabilité (%)"].tolist() == [25.3, 90.0]
    assert scored["décision"].tolist() == ["Sous le seuil d'alerte", "Risque de départ"]
    assert scored["principaux facteurs"].str.startswith("Heures supplémentaires — Oui").all()
    assert scored["prediction_id"].tolist() == ["a", "b"]
    assert not stale.exists()


def _extracts() -> list[bytes]:
    return [(DATA_DIR / extract.value).read_bytes() for extract in Extract]


def test_the_three_raw_extracts_are_joined_whatever_their_order() -> None:
    parsed = parse_extracts(list(reversed(_extracts())))
    assert len(parsed.records) == 1470
    first = parsed.records[0]
    assert first.id_employee == 1
    assert first.model_dump(exclude={"id_employee"}) == EMPLOYEE_1


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (lambda extracts: extracts[:2], "les trois extraits"),
        (lambda extracts: [*extracts[:2], csv_bytes([EMPLOYEE_1])], "aucun des trois"),
        (
            lambda extracts: [extracts[0].replace(b"revenu_mensuel", b"salaire"), *extracts[1:]],
            "extraits refusés : .*revenu_mensuel",
        ),
    ],
)
def test_incomplete_or_broken_extracts_are_refused(files: object, message: str) -> None:
    with pytest.raises(BatchFileError, match=message):
        parse_extracts(files(_extracts()))


@pytest.mark.parametrize("value", [str(2**31), str(2**63), "0"])
def test_an_id_employee_the_storage_cannot_hold_is_reported_with_its_line(value: str) -> None:
    rows = [{"id_employee": "7", **EMPLOYEE_1}, {"id_employee": value, **EMPLOYEE_1}]
    with pytest.raises(BatchFileError) as refused:
        parse_batch(csv_bytes(rows))
    [problem] = refused.value.errors.to_dict("records")
    assert (problem["ligne"], problem["champ"]) == (3, "Numéro de salarié (id_employee)")
