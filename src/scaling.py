"""Encoding and scaling of the model features: the sklearn encoder for training, and its
compiled equivalent for serving.

A one-row DataFrame through a ColumnTransformer costs milliseconds; serving instead compiles the
fitted encoder into plain arrays (means, scales, category positions) and encodes column arrays
with a handful of numpy operations. Tests hold the two to the same output.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from src.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES, Columns


def build_encoder() -> ColumnTransformer:
    """Standardised numerics, then one-hot categories in the contract's order.

    Categories come from the field list, not from the data, so an unseen value is an error
    rather than a silent all-zero row.
    """
    return ColumnTransformer(
        [
            ("numeric", StandardScaler(), list(NUMERIC_FEATURES)),
            (
                "categorical",
                OneHotEncoder(
                    categories=[list(f.categories) for f in CATEGORICAL_FEATURES],
                    handle_unknown="error",
                    sparse_output=False,
                ),
                [f.name for f in CATEGORICAL_FEATURES],
            ),
        ],
        verbose_feature_names_out=False,
    )


@dataclass(frozen=True)
class CompiledEncoder:
    """The fitted encoder as arrays: encoded column j belongs to feature `feature_index[j]`."""

    means: np.ndarray
    scales: np.ndarray
    category_positions: tuple[dict[str | float, int], ...]
    feature_names: tuple[str, ...]
    feature_index: np.ndarray

    @property
    def width(self) -> int:
        return len(self.feature_index)

    def encode(self, features: Columns) -> np.ndarray:
        """Feature columns -> the encoded matrix (n x width) the linear model reads.

        Raises KeyError naming the feature for a category outside the contract.
        """
        numeric = np.array([features[name] for name in NUMERIC_FEATURES]).T
        n_rows, n_numeric = numeric.shape
        encoded = np.zeros((n_rows, self.width))
        encoded[:, :n_numeric] = (numeric - self.means) / self.scales
        hot = np.empty((n_rows, len(CATEGORICAL_FEATURES)), dtype=np.intp)
        for j, feature in enumerate(CATEGORICAL_FEATURES):
            positions = self.category_positions[j]
            try:
                hot[:, j] = [positions[value] for value in features[feature.name]]
            except KeyError as err:
                raise KeyError(f"{feature.name}: unknown category {err.args[0]!r}") from None
        encoded[np.arange(n_rows)[:, np.newaxis], hot] = 1.0
        return encoded


def compile_encoder(encoder: ColumnTransformer) -> CompiledEncoder:
    """Read a fitted `build_encoder()` into arrays."""
    scaler: StandardScaler = encoder.named_transformers_["numeric"]
    one_hot: OneHotEncoder = encoder.named_transformers_["categorical"]
    n_numeric = len(NUMERIC_FEATURES)
    feature_index = list(range(n_numeric))
    positions: list[dict[str | float, int]] = []
    start = n_numeric
    for offset, categories in enumerate(one_hot.categories_):
        positions.append({value: start + i for i, value in enumerate(categories.tolist())})
        feature_index.extend([n_numeric + offset] * len(categories))
        start += len(categories)
    return CompiledEncoder(
        means=scaler.mean_,
        scales=scaler.scale_,
        category_positions=tuple(positions),
        feature_names=(*NUMERIC_FEATURES, *(f.name for f in CATEGORICAL_FEATURES)),
        feature_index=np.array(feature_index),
    )
