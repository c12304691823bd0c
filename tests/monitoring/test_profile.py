"""The training profile shipped inside the model: every field, aggregates only, and a faithful
picture of the training distribution."""

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from src.artifacts import LoadedModel
from src.features import FEATURES
from src.fields import FIELDS
from src.monitoring.profile import reference_sample


def test_the_shipped_model_carries_the_profile_of_its_training_data(shipped: LoadedModel) -> None:
    profile = shipped.model.profile
    assert profile is not None
    assert profile["n_employees"] == shipped.metadata["training_data"]["n_employees"]
    assert profile["base_rate"] == shipped.model.base_rate
    names = set(profile["columns"])
    assert {spec.name for spec in FIELDS} <= names
    assert {feature.name for feature in FEATURES} <= names  # raw ones profiled as the field
    assert profile["probability"]["kind"] == "number"


def test_categories_and_yes_no_fields_are_counted(
    shipped: LoadedModel, clean_frame: pd.DataFrame
) -> None:
    columns = shipped.model.profile["columns"]
    assert columns["departement"]["counts"] == clean_frame["departement"].value_counts().to_dict()
    overtime = clean_frame["heures_supplementaires"]
    assert columns["heures_supplementaires"]["counts"] == {
        "oui": int(overtime.sum()),
        "non": int((~overtime.astype(bool)).sum()),
    }


def test_no_extreme_value_of_an_employee_is_kept(
    shipped: LoadedModel, clean_frame: pd.DataFrame
) -> None:
    entry = shipped.model.profile["columns"]["revenu_mensuel"]
    salaries = clean_frame["revenu_mensuel"]
    assert salaries.min() not in entry["quantiles"]
    assert salaries.max() not in entry["quantiles"]
    assert set(entry) == {"origin", "label", "kind", "n", "mean", "std", "quantiles", "bins"}


def test_the_rebuilt_reference_sample_follows_the_training_distribution(
    shipped: LoadedModel, clean_frame: pd.DataFrame
) -> None:
    for name in ("revenu_mensuel", "age", "nombre_participation_pee", "distance_domicile_travail"):
        entry = shipped.model.profile["columns"][name]
        rebuilt = reference_sample(entry)
        assert rebuilt.size == len(clean_frame)
        training = clean_frame[name].to_numpy(dtype=float)
        assert ks_2samp(rebuilt, training, method="asymp").statistic < 0.01, name


def test_bin_shares_are_those_of_the_training_data(shipped: LoadedModel) -> None:
    for entry in shipped.model.profile["columns"].values():
        if entry["kind"] == "number":
            shares = np.asarray(entry["bins"]["shares"])
            assert shares.size == len(entry["bins"]["edges"]) + 1
            assert shares.sum() == np.float64(1.0) or abs(shares.sum() - 1) < 1e-12
