"""Shared fixtures: the real extracts, the shipped model, and a deterministic employee factory."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from src.artifacts import LoadedModel, load_local
from src.config import PROJECT_ROOT
from src.fields import FIELDS
from src.prediction import Predictor
from src.preprocessing import load_extracts

DATA_DIR = PROJECT_ROOT / "data"
MODELS_DIR = PROJECT_ROOT / "models"


@pytest.fixture(scope="session")
def clean_frame() -> pd.DataFrame:
    return load_extracts(DATA_DIR)


@pytest.fixture(scope="session")
def shipped() -> LoadedModel:
    return load_local(MODELS_DIR)


@pytest.fixture(scope="session")
def predictor(shipped: LoadedModel) -> Predictor:
    return Predictor(shipped.model)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the extracts that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture(scope="session")
def records(clean_frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Every employee as a clean record of canonical fields (no target)."""
    fields = [spec.name for spec in FIELDS]
    return clean_frame[fields].reset_index().to_dict("records")


EMPLOYEE_1 = {
    "age": 41,
    "genre": "F",
    "revenu_mensuel": 5993.0,
    "statut_marital": "Célibataire",
    "departement": "Commercial",
    "poste": "Cadre Commercial",
    "nombre_experiences_precedentes": 8,
    "annee_experience_totale": 8,
    "annees_dans_l_entreprise": 6,
    "annees_dans_le_poste_actuel": 4,
    "satisfaction_employee_environnement": 2,
    "satisfaction_employee_nature_travail": 4,
    "satisfaction_employee_equipe": 1,
    "satisfaction_employee_equilibre_pro_perso": 1,
    "note_evaluation_precedente": 3,
    "note_evaluation_actuelle": 3,
    "niveau_hierarchique_poste": 2,
    "heures_supplementaires": True,
    "augmentation_salaire_precedente": 11.0,
    "nombre_participation_pee": 0,
    "nb_formations_suivies": 0,
    "distance_domicile_travail": 1,
    "niveau_education": 2,
    "domaine_etude": "Infra & Cloud",
    "frequence_deplacement": "Occasionnel",
    "annees_depuis_la_derniere_promotion": 0,
    "annees_sous_responsable_actuel": 5,
}


@pytest.fixture
def make_employee() -> Callable[..., dict[str, Any]]:
    """Employee 1 of the extracts (who left), with any field overridden."""

    def make(**overrides: Any) -> dict[str, Any]:
        unknown = set(overrides) - set(EMPLOYEE_1)
        assert not unknown, f"not employee fields: {unknown}"
        return {**EMPLOYEE_1, **overrides}

    return make
