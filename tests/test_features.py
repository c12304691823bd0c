"""One feature function for both paths: records and the training table give identical inputs."""

import math
from typing import Any

import numpy as np
import pandas as pd

from src.features import FEATURES, build_feature_frame, build_features, columns_from_records


def test_serving_path_gives_bit_identical_features_to_training_path(
    clean_frame: pd.DataFrame, records: list[dict[str, Any]]
) -> None:
    training = build_feature_frame(clean_frame)
    serving = build_features(columns_from_records(records))
    for name, values in serving.items():
        assert np.array_equal(values, training[name].to_numpy()), name
        assert values.dtype == training[name].to_numpy().dtype, name


def test_single_record_gives_the_same_features_as_inside_a_batch(
    records: list[dict[str, Any]],
) -> None:
    batch = build_features(columns_from_records(records[:50]))
    alone = build_features(columns_from_records(records[7:8]))
    for name in alone:
        assert np.array_equal(alone[name], batch[name][7:8]), name


def test_engineered_features_of_employee_1(make_employee: Any) -> None:
    features = {k: v[0] for k, v in build_features(columns_from_records([make_employee()])).items()}
    assert features["revenu_mensuel_log"] == math.log(5993)
    assert features["annees_dans_l_entreprise_log1p"] == math.log1p(6)
    assert features["annees_par_employeur"] == 8 / 9
    assert features["satisfaction_moyenne"] == (2 + 4 + 1 + 1) / 4
    assert features["sans_participation_pee"] == 1.0
    assert features["moins_de_25_ans"] == 0.0
    assert features["nouvel_arrivant"] == 0.0
    assert features["heures_supplementaires"] == 1.0
    assert features["poste"] == "Cadre Commercial"


def test_feature_names_are_unique_and_in_declared_order(make_employee: Any) -> None:
    names = list(build_features(columns_from_records([make_employee()])))
    assert names == [f.name for f in FEATURES]
    assert len(set(names)) == len(names)
