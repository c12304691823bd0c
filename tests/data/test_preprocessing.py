"""Extracts -> clean records: the join, every cleaning rule, and clear refusals of broken files."""

from pathlib import Path

import pandas as pd
import pytest

from src.errors import ExtractError
from src.fields import FIELDS
from src.preprocessing import hash_records, load_extracts, parse_oui_non, parse_percent


def _rewrite(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _drop_line(path: Path, starts_with: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(starts_with)]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")


def test_load_extracts_joins_every_employee_once(clean_frame: pd.DataFrame) -> None:
    assert len(clean_frame) == 1470
    assert clean_frame.index.is_unique and clean_frame.index.is_monotonic_increasing
    assert clean_frame.index.name == "id_employee"
    assert int(clean_frame["a_quitte_l_entreprise"].sum()) == 237


def test_load_extracts_merges_employee_1_from_all_three_files(clean_frame: pd.DataFrame) -> None:
    employee = clean_frame.loc[1]
    assert (employee["age"], employee["genre"], employee["revenu_mensuel"]) == (41, "F", 5993.0)
    assert employee["satisfaction_employee_equipe"] == 1  # from extrait_eval.csv (E_1)
    assert employee["domaine_etude"] == "Infra & Cloud"  # from extrait_sondage.csv (000001)
    assert bool(employee["a_quitte_l_entreprise"]) is True


def test_load_extracts_uses_the_canonical_field_names(clean_frame: pd.DataFrame) -> None:
    expected = [spec.name for spec in FIELDS] + ["a_quitte_l_entreprise"]
    assert list(clean_frame.columns) == expected


def test_load_extracts_drops_the_constant_columns(clean_frame: pd.DataFrame) -> None:
    constant = {"nombre_heures_travailless", "nombre_employee_sous_responsabilite", "ayant_enfants"}
    assert constant.isdisjoint(clean_frame.columns)


def test_load_extracts_turns_oui_non_into_booleans(clean_frame: pd.DataFrame) -> None:
    assert clean_frame["heures_supplementaires"].dtype == bool
    assert clean_frame.loc[[1, 2], "heures_supplementaires"].tolist() == [True, False]


def test_load_extracts_turns_percent_strings_into_numbers(clean_frame: pd.DataFrame) -> None:
    raises = clean_frame["augmentation_salaire_precedente"]
    assert raises.dtype == "float64"
    assert raises.loc[[1, 2]].tolist() == [11.0, 23.0]
    assert raises.between(11, 25).all()


@pytest.mark.parametrize(
    ("text", "value"), [("11 %", 11.0), ("11%", 11.0), (" 7.5 % ", 7.5), ("23", 23.0)]
)
def test_parse_percent_accepts_percent_spellings(text: str, value: float) -> None:
    assert parse_percent(text) == value


def test_parse_percent_rejects_text_naming_it() -> None:
    with pytest.raises(ValueError, match="got 'onze %', expected a percentage"):
        parse_percent("onze %")


def test_parse_oui_non_rejects_other_words() -> None:
    assert parse_oui_non("Oui") is True and parse_oui_non("Non") is False
    with pytest.raises(ValueError, match="got 'Yes', allowed Oui, Non"):
        parse_oui_non("Yes")


def test_missing_column_is_refused_naming_file_and_column(data_copy: Path) -> None:
    _rewrite(data_copy / "extrait_sirh.csv", "revenu_mensuel", "salaire")
    with pytest.raises(ExtractError, match=r"extrait_sirh.csv: missing column\(s\) revenu_mensuel"):
        load_extracts(data_copy)


def test_missing_file_is_refused_naming_it(data_copy: Path) -> None:
    (data_copy / "extrait_eval.csv").unlink()
    with pytest.raises(ExtractError, match="extrait_eval.csv: file not found"):
        load_extracts(data_copy)


def test_employee_missing_from_one_extract_is_refused_naming_the_key(data_copy: Path) -> None:
    _drop_line(data_copy / "extrait_eval.csv", "2,3,2,4,1,1,E_1,")
    with pytest.raises(
        ExtractError,
        match=r"extrait_eval.csv: keys do not line up .*\(s\) 1 of extrait_sirh.csv missing",
    ):
        load_extracts(data_copy)


def test_employee_only_in_one_extract_is_refused_naming_the_key(data_copy: Path) -> None:
    _rewrite(data_copy / "extrait_sondage.csv", ",000001,", ",009999,")
    with pytest.raises(ExtractError, match=r"employee\(s\) 9999 not in extrait_sirh.csv"):
        load_extracts(data_copy)


def test_duplicated_key_is_refused_naming_the_employee(data_copy: Path) -> None:
    _rewrite(data_copy / "extrait_eval.csv", ",E_2,", ",E_1,")
    with pytest.raises(ExtractError, match=r"extrait_eval.csv: eval_number repeats .* 1$"):
        load_extracts(data_copy)


def test_malformed_key_is_refused(data_copy: Path) -> None:
    _rewrite(data_copy / "extrait_eval.csv", ",E_1,", ",EMP-1,")
    with pytest.raises(ExtractError, match="eval_number 'EMP-1' is not an employee id"):
        load_extracts(data_copy)


def test_bad_percent_string_is_refused_naming_file_and_column(data_copy: Path) -> None:
    _rewrite(data_copy / "extrait_eval.csv", ",E_1,3,Oui,11 %", ",E_1,3,Oui,onze %")
    with pytest.raises(
        ExtractError,
        match="extrait_eval.csv: column augementation_salaire_precedente: got 'onze %'",
    ):
        load_extracts(data_copy)


def test_unknown_category_is_refused_naming_value_and_allowed(data_copy: Path) -> None:
    _rewrite(data_copy / "extrait_sirh.csv", "1,41,F,", "1,41,X,")
    with pytest.raises(ExtractError, match="column genre: got 'X' for employee 1 .* allowed F, M"):
        load_extracts(data_copy)


def test_out_of_range_number_is_refused(data_copy: Path) -> None:
    _rewrite(data_copy / "extrait_sirh.csv", "1,41,F,", "1,410,F,")
    with pytest.raises(
        ExtractError, match="column age: got '410' for employee 1 .* allowed 16 to 75"
    ):
        load_extracts(data_copy)


def test_fractional_count_is_refused(data_copy: Path) -> None:
    _rewrite(data_copy / "extrait_sirh.csv", "1,41,F,", "1,41.5,F,")
    with pytest.raises(ExtractError, match="column age: got '41.5', expected a whole number"):
        load_extracts(data_copy)


def test_contradictory_year_counters_are_refused(data_copy: Path) -> None:
    # employee 1: 6 years in the company, 4 in the post -> 7 in the post is impossible
    _rewrite(data_copy / "extrait_sirh.csv", "80,8,6,4\n", "80,8,6,7\n")
    with pytest.raises(
        ExtractError,
        match=r"employee 1: annees_dans_le_poste_actuel \(7\) exceeds annees_dans_l_entreprise",
    ):
        load_extracts(data_copy)


def test_the_data_hash_follows_the_values_not_the_files_formatting(data_copy: Path) -> None:
    before = hash_records(load_extracts(data_copy))
    _rewrite(data_copy / "extrait_sondage.csv", "Infra & Cloud", "Infra & Cloud ")
    assert hash_records(load_extracts(data_copy)) == before  # the same value once cleaned
    _rewrite(data_copy / "extrait_sondage.csv", "Oui,0,0,1,000001,1,", "Oui,0,0,1,000001,2,")
    assert hash_records(load_extracts(data_copy)) != before  # employee 1 lives further away
