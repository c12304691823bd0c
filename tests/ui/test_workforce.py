"""The workforce view: the present employees scored exactly as the model scores them, the
risk by group adding up to the whole, and who is at risk with what raises their risk."""

import pandas as pd
import pytest

from src.prediction import Predictor
from src.ui.workforce import (
    AGE_GROUPING,
    GROUPINGS,
    age_band,
    at_risk_frame,
    export_frame,
    group_frame,
    score_workforce,
    searched,
    workforce_summary,
)


@pytest.fixture(scope="module")
def stored(clean_frame: pd.DataFrame, records: list[dict]) -> list[tuple[int, dict, bool]]:
    """The extracts as the `employees` table holds them: id, record, whether they left."""
    left = clean_frame["a_quitte_l_entreprise"].tolist()
    return [
        (record["id_employee"], {k: v for k, v in record.items() if k != "id_employee"}, flag)
        for record, flag in zip(records, left, strict=True)
    ]


def test_only_the_employees_still_present_are_scored_the_newest_report_deciding(
    predictor: Predictor, stored: list[tuple[int, dict, bool]]
) -> None:
    left = [i for i, _, flag in stored if flag]
    stayed = [i for i, _, flag in stored if not flag]
    # HR reported that one who left came back, and that one who stayed has left.
    reported = {left[0]: False, stayed[0]: True}
    workforce = score_workforce(predictor, "v-test", stored, reported)
    scored = {e.id_employee for e in workforce.employees}
    assert scored == (set(stayed) - {stayed[0]}) | {left[0]}
    assert workforce.departed == len(left)  # one came back, one more left
    assert len(scored) + workforce.departed == len(stored)


def test_each_employee_is_scored_exactly_as_the_model_scores_them_the_riskiest_first(
    predictor: Predictor, stored: list[tuple[int, dict, bool]]
) -> None:
    workforce = score_workforce(predictor, "v-test", stored, {})
    probabilities = [e.scoring.probability for e in workforce.employees]
    assert probabilities == sorted(probabilities, reverse=True)
    for employee in workforce.employees[:50]:
        [alone] = predictor.predict([employee.record])
        assert employee.scoring.probability == pytest.approx(alone.probability, abs=1e-12)
        # The points add up to the gap with the reference employee.
        gap = 100 * (alone.probability - employee.explained.reference_probability)
        assert sum(f.points for f in employee.explained.factors) == pytest.approx(gap, abs=1e-9)


def test_the_groups_add_up_to_the_workforce_the_most_exposed_first(
    predictor: Predictor, stored: list[tuple[int, dict, bool]]
) -> None:
    workforce = score_workforce(predictor, "v-test", stored, {})
    at_risk = sum(e.at_risk for e in workforce.employees)
    assert at_risk > 0
    for grouping in GROUPINGS:
        frame = group_frame(workforce, grouping)
        assert frame["effectif"].sum() == len(workforce.employees), grouping
        assert frame["à risque"].sum() == at_risk, grouping
        if grouping != AGE_GROUPING:
            shares = frame["% à risque"].tolist()
            assert shares == sorted(shares, reverse=True), grouping
        expected = (100 * frame["à risque"] / frame["effectif"]).round().astype(int)
        assert frame["% à risque"].tolist() == expected.tolist()
    departments = set(group_frame(workforce, "département")["département"])
    assert departments == {"Commercial", "Consulting", "Ressources Humaines"}
    bands = group_frame(workforce, AGE_GROUPING)[AGE_GROUPING].tolist()
    assert bands == [
        "moins de 25 ans",
        "25 à 34 ans",
        "35 à 44 ans",
        "45 à 54 ans",
        "55 ans et plus",
    ]


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (18, "moins de 25 ans"),
        (24, "moins de 25 ans"),
        (25, "25 à 34 ans"),
        (44, "35 à 44 ans"),
        (54, "45 à 54 ans"),
        (55, "55 ans et plus"),
        (75, "55 ans et plus"),
    ],
)
def test_age_bands_have_their_bounds_where_their_names_say(age: int, band: str) -> None:
    assert age_band(age) == band


def test_the_list_holds_every_employee_at_risk_with_what_raises_their_risk(
    predictor: Predictor, stored: list[tuple[int, dict, bool]]
) -> None:
    workforce = score_workforce(predictor, "v-test", stored, {})
    frame = at_risk_frame(workforce)
    at_risk = [e for e in workforce.employees if e.at_risk]
    assert frame["n° salarié"].tolist() == [e.id_employee for e in at_risk]
    # Numbers stay numbers: a click on the header sorts 9 before 10.
    assert pd.api.types.is_integer_dtype(frame["risque (%)"])
    assert pd.api.types.is_integer_dtype(frame["âge"])
    assert (frame["risque (%)"] >= round(100 * workforce.threshold)).all()
    for reasons in frame["ce qui augmente son risque"]:
        parts = reasons.split(" ; ")
        assert 1 <= len(parts) <= 3 and all("(+" in part for part in parts), reasons


def test_the_export_holds_every_present_employee_with_the_model_that_scored_them(
    predictor: Predictor, stored: list[tuple[int, dict, bool]]
) -> None:
    workforce = score_workforce(predictor, "v-test", stored, {})
    frame = export_frame(workforce)
    assert len(frame) == len(workforce.employees)
    assert set(frame["modèle"]) == {"v-test"}
    assert set(frame["décision"]) == {"Risque de départ", "Sous le seuil d'alerte"}
    assert frame["probabilité (%)"].between(0, 100).all()


def test_the_summary_says_how_many_are_at_risk_out_of_how_many_in_french(
    predictor: Predictor, stored: list[tuple[int, dict, bool]]
) -> None:
    workforce = score_workforce(predictor, "v-test", stored, {})
    at_risk = sum(e.at_risk for e in workforce.employees)
    summary = workforce_summary(workforce)
    assert (
        f"{at_risk} salariés à risque de départ sur {len(workforce.employees):,}".replace(",", " ")
        in summary
    )
    assert f"{workforce.departed} salariés déjà partis ne sont pas comptés" in summary
    assert "modèle `v-test`" in summary
    empty = score_workforce(predictor, "v-test", [], {})
    assert workforce_summary(empty) == "**Aucun salarié présent n'est enregistré.**"


def test_a_search_keeps_the_rows_that_hold_every_word_in_any_case(
    predictor: Predictor, stored: list[tuple[int, dict, bool]]
) -> None:
    frame = at_risk_frame(score_workforce(predictor, "v-test", stored, {}))
    found = searched(frame, "  COMMERCIAL heures ")
    assert 0 < len(found) < len(frame)
    assert (found["département"] == "Commercial").all()
    assert found["ce qui augmente son risque"].str.contains("Heures supplémentaires").all()
    assert searched(frame, "") is frame and searched(frame, None) is frame
    assert searched(frame, "personne ne s'appelle ainsi").empty
