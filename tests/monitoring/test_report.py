"""The Surveillance tab's HTML report and tables: French, from the API's own reports."""

from typing import Any

import numpy as np
import pytest

from src.artifacts import LoadedModel
from src.monitoring.drift import DriftThresholds, drift_report
from src.monitoring.quality import live_quality
from src.monitoring.report import render_report
from src.prediction import Predictor
from src.ui import views


@pytest.fixture(scope="module")
def reports(
    shipped: LoadedModel, predictor: Predictor, records: list[dict]
) -> tuple[dict[str, Any], dict[str, Any]]:
    window = [{**record, "heures_supplementaires": True} for record in records[:400]]
    probabilities = [s.probability for s in predictor.predict(window)]
    profile, features = shipped.model.profile, shipped.metadata["features"]
    drift = drift_report(profile, features, window, probabilities, DriftThresholds())
    drift["window"] = {
        "first": "2026-12-01T08:00:00+00:00",
        "last": "2026-12-02T09:00:00+00:00",
        "source": "api",
    }
    drift["probability_by_day"] = [
        {"day": "2026-12-01", "count": 400, "median": 0.2, "p90": 0.6, "share_at_risk": 0.3}
    ]
    rng = np.random.default_rng(1)
    left = rng.random(200) < 0.3
    quality = live_quality(np.where(left, 0.6, 0.2).tolist(), left.tolist(), shipped.metadata)
    return drift, quality


def test_the_report_is_a_french_page_with_every_column(reports: tuple) -> None:
    drift, quality = reports
    page = render_report(drift, quality)
    assert page.startswith("<!doctype html>") and '<html lang="fr">' in page
    assert "État : <strong>alerte</strong>" in page
    assert "<tr class='drift'><td>Heures supplémentaires</td>" in page
    assert page.count("<tr") == 1 + len(drift["columns"]) + 2 + 1 + len(quality["metrics"])
    assert "Intervalle à 95 %" in page and "ROC-AUC" in page and "2026-12-01" in page


def test_the_report_names_its_period_and_channel_in_french(reports: tuple) -> None:
    page = render_report(*reports)
    assert "du 01/12/2026 08:00 UTC au 02/12/2026 09:00 UTC" in page
    assert "(canal : API)" in page and "all" not in page.split("<h2")[0]


def test_without_enough_data_the_report_says_so(shipped: LoadedModel) -> None:
    drift = {"status": "not enough data", "sample_size": 12, "minimum_sample": 200}
    quality = live_quality([], [], shipped.metadata)
    page = render_report(drift, quality)
    assert "pas assez de données" in page and "12 salariés" in page
    assert "<table>" not in page


def test_the_tab_tables_are_built_from_the_same_report(reports: tuple) -> None:
    drift, quality = reports
    bars = views.psi_frame(drift)
    assert bars.iloc[0].to_dict()["champ"] == "Heures supplémentaires"
    assert set(bars["état"]) == {"en dérive", "stable"}
    overtime = views.distribution_frame(drift, "Heures supplémentaires")
    assert set(overtime["série"]) == {"entraînement", "récent"}
    salary = views.distribution_frame(drift, "Revenu mensuel (€)")
    assert salary["valeur"].iloc[0].startswith("≤ ") and salary["valeur"].iloc[9].startswith("> ")
    assert len(views.days_frame(drift)) == 3
    assert list(views.quality_frame(quality)["mesure"])[0] == "ROC-AUC"
    summary = views.drift_summary(drift, quality)
    assert summary.startswith("### Dérive : alerte") and "issues connues" in summary
