"""The compiled encoder is the fitted ColumnTransformer, in arrays."""

import numpy as np
import pandas as pd
import pytest

from src.features import build_feature_frame, build_features, columns_from_frame
from src.scaling import build_encoder, compile_encoder


@pytest.fixture(scope="module")
def feature_frame(clean_frame: pd.DataFrame) -> pd.DataFrame:
    return build_feature_frame(clean_frame)


def test_compiled_encoder_equals_column_transformer(
    clean_frame: pd.DataFrame, feature_frame: pd.DataFrame
) -> None:
    encoder = build_encoder().fit(feature_frame)
    compiled = compile_encoder(encoder)
    fast = compiled.encode(build_features(columns_from_frame(clean_frame)))
    assert fast.shape == (1470, compiled.width)
    assert np.array_equal(fast, encoder.transform(feature_frame))


def test_compiled_encoder_maps_each_column_to_its_feature(feature_frame: pd.DataFrame) -> None:
    compiled = compile_encoder(build_encoder().fit(feature_frame))
    assert len(compiled.feature_names) == len(feature_frame.columns)
    assert np.all(np.diff(compiled.feature_index) >= 0)  # each feature's columns are contiguous
    poste = compiled.feature_names.index("poste")
    assert int(np.sum(compiled.feature_index == poste)) == 9


def test_unknown_category_is_a_key_error_naming_the_feature(
    clean_frame: pd.DataFrame, feature_frame: pd.DataFrame
) -> None:
    compiled = compile_encoder(build_encoder().fit(feature_frame))
    features = build_features(columns_from_frame(clean_frame.head(2)))
    features["poste"] = np.array(["Consultant", "Astronaute"], dtype=object)
    with pytest.raises(KeyError, match="poste: unknown category 'Astronaute'"):
        compiled.encode(features)
