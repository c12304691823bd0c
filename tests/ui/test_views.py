"""What HR reads: French summaries and tables built from the service's answers."""

import json
import re
from zoneinfo import ZoneInfo

import pytest

from src.config import PROJECT_ROOT
from src.prediction import Predictor
from src.schemas import Prediction
from src.ui import views
from src.ui.explanations import Explained, ShownFactor, explain, sentences
from tests.conftest import EMPLOYEE_1
from tests.ui.test_messages import ENGLISH

PARIS = ZoneInfo("Europe/Paris")
METADATA = json.loads((PROJECT_ROOT / "models" / "metadata.json").read_text("utf-8"))


def _prediction(probability: float, risk: str = "élevé") -> Prediction:
    return Prediction(
        prediction_id="p-1",
        prediction="Part" if probability >= 0.32 else "Reste",
        probability=probability,
        threshold=0.32,
        risk_level=risk,
        model_version="1.0.0",
        explanation=[],
    )


def _answer(predictor: Predictor, record: dict) -> Prediction:
    """What the service answers for `record`, built from the model's own scoring."""
    [scoring] = predictor.predict([record])
    return Prediction(
        prediction_id="p-1",
        prediction=scoring.label,
        probability=scoring.probability,
        threshold=predictor.threshold,
        risk_level=scoring.risk_level,
        model_version="1.0.0",
        explanation=[{"feature": f, "contribution": c} for f, c in scoring.contributions],
        explanation_baseline=scoring.baseline_logit,
    )


def test_the_summary_gives_decision_probability_risk_and_reasons_in_french(
    predictor: Predictor,
) -> None:
    answer = _answer(predictor, EMPLOYEE_1)
    summary = views.prediction_summary(answer, explain(answer, EMPLOYEE_1))
    assert "### Risque de départ\n" in summary
    assert "**55 %**" in summary and "élevé" in summary
    assert "salarié moyen des données d'entraînement, risque de 8 %" in summary
    assert "- Heures supplémentaires — Oui : augmente le risque d'environ 22 points." in summary
    assert "- Niveau hiérarchique du poste — 2 : diminue le risque d'environ 9 points." in summary
    assert "(log)" not in summary and "logit" not in summary


def test_three_to_five_sentences_and_the_value_of_each_category() -> None:
    factors = [
        ShownFactor(f"Facteur {i}", "x", points)
        for i, points in enumerate([20.0, -6.0, 0.3, 0.2, 0.1])
    ]
    assert len(sentences(Explained(factors, 0.1))) == 3  # the third weighs under a point
    assert sentences(Explained(factors, 0.1))[2].endswith("de moins d'un point.")
    heavy = [ShownFactor(f"Facteur {i}", "x", 5.0) for i in range(8)]
    assert len(sentences(Explained(heavy, 0.1))) == 5


def test_the_chart_shows_points_of_risk_that_add_up_to_the_gap(predictor: Predictor) -> None:
    record = {**EMPLOYEE_1, "departement": "Consulting"}
    answer = _answer(predictor, record)
    explained = explain(answer, record)
    frame = views.factor_frame(explained)
    assert len(frame) == views.TOP_FACTORS
    assert frame.iloc[0].to_dict() == {
        "facteur": "Heures supplémentaires — Oui",
        "points": round(explained.factors[0].points, 1),
        "effet": views.UP,
    }
    assert "Département — Consulting" in {factor.name for factor in explained.factors}
    gap = 100 * (answer.probability - explained.reference_probability)
    assert sum(factor.points for factor in explained.factors) == pytest.approx(gap, abs=1e-9)
    assert set(frame["effet"]) == {views.UP, views.DOWN}
    assert all((row.points > 0) == (row.effet == views.UP) for row in frame.itertuples())


def test_a_record_reads_with_labels_oui_non_and_percent() -> None:
    table = dict(views.record_frame(EMPLOYEE_1).itertuples(index=False))
    assert table["Âge"] == "41"
    assert table["Heures supplémentaires"] == "Oui"
    assert table["Dernière augmentation de salaire (%)"] == "11 %"


def test_the_comparison_reports_the_move_in_points() -> None:
    summary = views.comparison_summary(_prediction(0.25, "moyen"), _prediction(0.63))
    assert "25 % | 63 %" in summary
    assert "+38,0 points (hausse)" in summary


def test_changed_fields_are_named_by_their_labels() -> None:
    after = {**EMPLOYEE_1, "heures_supplementaires": False}
    assert views.changed_fields(EMPLOYEE_1, after) == ["Heures supplémentaires"]


def test_the_model_tab_shows_the_shipped_models_card_and_metrics_in_french() -> None:
    overview = views.model_overview(METADATA, "local", "MODEL_REPO_ID is not set", PARIS)
    assert METADATA["sha256"] in overview
    assert "aucun dépôt du Hub n'est configuré (MODEL_REPO_ID)" in overview
    assert "régression logistique pondérée par classe" in overview
    assert "1 470 salariés, 237 départs" in overview
    assert "Entraîné le : 02/12/2026 à 19:52 (heure de Europe/Paris)" in overview
    metrics = views.metrics_frame(METADATA["metrics"])
    assert metrics["métrique"].tolist()[0] == "ROC AUC"
    assert metrics["validation croisée"].tolist()[0] == "0,856 ± 0,023"
    calibration = views.calibration_frame(METADATA["metrics"])
    assert set(calibration["série"]) == {"modèle", "idéal"}
    slices = views.slices_frame(METADATA["metrics"])
    assert {"Genre", "Tranche d'âge", "Statut marital", "Département"} == set(slices["groupe"])
    assert slices["taux de départ"].tolist()[0] == "15 %"
    shown = " ".join([overview, *metrics.astype(str).agg(" ".join, axis=1)])
    assert not ENGLISH.search(shown.replace("MODEL_REPO_ID", "")), shown


def test_a_hub_failure_is_said_in_french_with_its_technical_detail() -> None:
    reason = "HfHubHTTPError: 404 Client Error"
    overview = views.model_overview(METADATA, "local", reason, PARIS)
    assert f"le modèle du Hub n'a pas pu être utilisé (détail technique : {reason})" in overview


def test_the_model_tab_gives_the_comparison_with_the_champion_in_french() -> None:
    overview = views.model_overview(METADATA, "registry", None, PARIS)
    comparison = METADATA["lifecycle"]["comparison"]
    assert "registre de modèles" in overview
    assert f"Comparaison avec le champion {comparison['champion']}" in overview
    assert "Décision : **promu (pas moins bon)**" in overview
    roc_auc = comparison["metrics"][0]
    champion = f"{roc_auc['champion_mean']:.3f}".replace(".", ",")
    assert f"| ROC AUC | {champion} |" in overview
    assert "| −0,0009 |" in overview
    assert not re.search(r"\d\.\d{3}", overview)  # no decimal point (a version has one digit)
    assert overview.endswith("Groupes moins bien traités : aucun")


def test_history_rows_get_french_headers_and_whole_employee_ids() -> None:
    rows = [
        {
            "prediction_id": "p",
            "created_at": "2026-11-23T08:00:00.123+00:00",
            "source": "ui",
            "route": "/ui/predict",
            "id_employee": None,
            "prediction": "Part",
            "probability": 0.123456,
            "risk_level": "élevé",
            "model_version": "1.0.0",
        }
    ]
    frame = views.history_frame(rows, ZoneInfo("Europe/Paris"))
    assert frame.iloc[0]["date (Europe/Paris)"] == "23/11/2026 09:00:00"  # UTC+1 in winter
    assert frame.iloc[0]["probabilité"] == "12 %"


@pytest.mark.parametrize(
    ("typed", "end_of_day", "instant"),
    [
        ("31/12/2026", False, "2026-12-30T23:00:00+00:00"),
        ("31/12/2026", True, "2026-12-31T23:00:00+00:00"),  # until: the whole day, exclusive
        ("01/07/2026 14:30", False, "2026-07-01T12:30:00+00:00"),  # summer: UTC+2
        ("2026-07-01T14:30:05", False, "2026-07-01T12:30:05+00:00"),
        ("  1/7/2026  14h30 ", False, "2026-07-01T12:30:00+00:00"),
    ],
)
def test_dates_are_typed_the_french_way_in_the_hr_time_zone(
    typed: str, end_of_day: bool, instant: str
) -> None:
    moment = views.typed_moment(typed, PARIS, end_of_day=end_of_day)
    assert moment is not None and moment.isoformat() == instant


@pytest.mark.parametrize("typed", ["32/12/2026", "demain", "12/31/2026", "31/12/2026 25:00"])
def test_a_date_that_cannot_be_read_is_refused_in_french(typed: str) -> None:
    with pytest.raises(ValueError, match="n'est pas une date lisible : écrivez par exemple"):
        views.typed_moment(typed, PARIS, end_of_day=False)
    assert views.typed_moment("  ", PARIS, end_of_day=False) is None


@pytest.mark.parametrize(
    ("value", "threshold", "shown"),
    [
        (0.18, 0.3247, "18 %"),
        (0.3190, 0.3247, "31,9 %, seuil 32,5 %"),
        (0.3160, 0.32, "31,6 %, seuil 32,0 %"),
    ],
)
def test_a_risk_brought_under_the_threshold_never_reads_as_the_threshold(
    value: float, threshold: float, shown: str
) -> None:
    assert views.under_threshold(value, threshold) == shown
