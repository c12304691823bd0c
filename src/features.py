"""Clean records -> the engineered features the model reads, the same code for training and serving.

Both paths hand `build_features` a mapping of field name -> numpy array (one element per
employee; a single request is a batch of one), so the same numpy operations run on the same
dtypes and an employee gets bit-identical model inputs whichever way it arrives.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from src.fields import FIELDS, FIELDS_BY_NAME, Kind

Columns = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Feature:
    """One model input. Features with `categories` are one-hot encoded, the others scaled."""

    name: str
    label: str
    compute: Callable[[Columns], np.ndarray]
    categories: tuple[str | float, ...] = ()
    #: The one field this feature is made from (itself, a log of it, a test on it): what a
    #: person reads for it. None for a feature made from several fields, whose own value is
    #: what a person reads.
    source: str | None = None

    @property
    def is_categorical(self) -> bool:
        return bool(self.categories)


def _field(name: str) -> Feature:
    spec = FIELDS_BY_NAME[name]
    return Feature(name, spec.label, lambda c: c[name], source=name)


def _category(name: str) -> Feature:
    """A field one-hot encoded: text categories, or 1-4 scores whose effect is not linear."""
    spec = FIELDS_BY_NAME[name]
    if spec.kind is Kind.CATEGORY:
        categories: tuple[str | float, ...] = spec.allowed
    else:
        categories = tuple(float(v) for v in range(int(spec.minimum), int(spec.maximum) + 1))
    return Feature(name, spec.label, lambda c: c[name], categories, source=name)


def _log1p(name: str) -> Feature:
    """Counts of years are right-skewed: the first years matter most."""
    return Feature(
        f"{name}_log1p",
        f"{FIELDS_BY_NAME[name].label} (log)",
        lambda c: np.log1p(c[name]),
        source=name,
    )


_SATISFACTIONS = (
    "satisfaction_employee_environnement",
    "satisfaction_employee_nature_travail",
    "satisfaction_employee_equipe",
    "satisfaction_employee_equilibre_pro_perso",
)


def _mean_satisfaction(c: Columns) -> np.ndarray:
    first, second, third, fourth = (c[name] for name in _SATISFACTIONS)
    return (first + second + third + fourth) / 4.0


FEATURES: tuple[Feature, ...] = (
    _field("age"),
    Feature(
        "revenu_mensuel_log",
        "Revenu mensuel (log)",
        lambda c: np.log(c["revenu_mensuel"]),
        source="revenu_mensuel",
    ),
    _field("nombre_experiences_precedentes"),
    _log1p("annee_experience_totale"),
    _log1p("annees_dans_l_entreprise"),
    _log1p("annees_dans_le_poste_actuel"),
    _field("note_evaluation_precedente"),
    _field("note_evaluation_actuelle"),
    _field("heures_supplementaires"),
    _field("augmentation_salaire_precedente"),
    _field("nombre_participation_pee"),
    _field("nb_formations_suivies"),
    _log1p("distance_domicile_travail"),
    _field("niveau_education"),
    _log1p("annees_depuis_la_derniere_promotion"),
    _log1p("annees_sous_responsable_actuel"),
    Feature(
        "sans_participation_pee",
        "Aucune participation au PEE",
        lambda c: (c["nombre_participation_pee"] == 0).astype(np.float64),
        source="nombre_participation_pee",
    ),
    Feature(
        "annees_par_employeur",
        "Années d'expérience par employeur",
        lambda c: c["annee_experience_totale"] / (c["nombre_experiences_precedentes"] + 1.0),
    ),
    Feature("satisfaction_moyenne", "Satisfaction moyenne", _mean_satisfaction),
    Feature(
        "moins_de_25_ans",
        "Moins de 25 ans",
        lambda c: (c["age"] < 25).astype(np.float64),
        source="age",
    ),
    Feature(
        "nouvel_arrivant",
        "Un an ou moins dans l'entreprise",
        lambda c: (c["annees_dans_l_entreprise"] <= 1).astype(np.float64),
        source="annees_dans_l_entreprise",
    ),
    *(_category(name) for name in ("genre", "statut_marital", "departement", "poste")),
    *(_category(name) for name in ("domaine_etude", "frequence_deplacement")),
    *(_category(name) for name in (*_SATISFACTIONS, "niveau_hierarchique_poste")),
)

NUMERIC_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURES if not f.is_categorical)
CATEGORICAL_FEATURES: tuple[Feature, ...] = tuple(f for f in FEATURES if f.is_categorical)
FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}


_NUMERIC_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind is not Kind.CATEGORY)
_CATEGORY_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind is Kind.CATEGORY)


def columns_from_frame(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Clean records (as `load_extracts` returns them) -> typed column arrays.

    Numbers and flags become contiguous float64 arrays, categories object arrays of strings:
    the same types `columns_from_records` gives, so both paths run the same numpy loops.
    """
    columns = {name: frame[name].to_numpy(dtype=np.float64) for name in _NUMERIC_FIELDS}
    columns.update({name: frame[name].to_numpy(dtype=object) for name in _CATEGORY_FIELDS})
    return columns


def columns_from_records(records: Sequence[Mapping[str, object]]) -> dict[str, np.ndarray]:
    """Clean records (one mapping of canonical fields per employee) -> typed column arrays.

    One float64 matrix of fields x employees is built in one call (a single record is the hot
    path of the API); its rows are contiguous views.
    """
    numbers = np.array(
        [[record[name] for record in records] for name in _NUMERIC_FIELDS], dtype=np.float64
    )
    columns = dict(zip(_NUMERIC_FIELDS, numbers, strict=True))
    columns.update(
        {name: np.array([r[name] for r in records], dtype=object) for name in _CATEGORY_FIELDS}
    )
    return columns


def build_features(columns: Columns) -> dict[str, np.ndarray]:
    """The model inputs, in `FEATURES` order."""
    return {feature.name: feature.compute(columns) for feature in FEATURES}


def build_feature_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The training path: clean records -> the feature table the sklearn pipeline is fitted on."""
    return pd.DataFrame(build_features(columns_from_frame(frame)), index=frame.index)
