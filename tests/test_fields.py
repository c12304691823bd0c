"""The one field list: it matches DESIGN.md and accounts for every raw column of the extracts."""

import csv

from src.fields import CONSTANT_COLUMNS, FIELDS, KEY_COLUMNS, TARGET, Extract
from tests.conftest import DATA_DIR, EMPLOYEE_1

DESIGN_FIELDS = """age genre revenu_mensuel statut_marital departement poste
nombre_experiences_precedentes annee_experience_totale annees_dans_l_entreprise
annees_dans_le_poste_actuel satisfaction_employee_environnement
satisfaction_employee_nature_travail satisfaction_employee_equipe
satisfaction_employee_equilibre_pro_perso note_evaluation_precedente note_evaluation_actuelle
niveau_hierarchique_poste heures_supplementaires augmentation_salaire_precedente
nombre_participation_pee nb_formations_suivies distance_domicile_travail niveau_education
domaine_etude frequence_deplacement annees_depuis_la_derniere_promotion
annees_sous_responsable_actuel""".split()


def test_fields_are_exactly_the_design_fields() -> None:
    assert [spec.name for spec in FIELDS] == DESIGN_FIELDS


def test_every_raw_column_is_a_field_a_key_a_constant_or_the_target() -> None:
    for extract in Extract:
        with (DATA_DIR / extract.value).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        mapped = {spec.raw_name for spec in (*FIELDS, TARGET) if spec.extract is extract}
        accounted = mapped | {KEY_COLUMNS[extract]} | set(CONSTANT_COLUMNS[extract])
        assert set(header) == accounted, extract


def test_raw_typos_are_fixed_in_canonical_names() -> None:
    renamed = {spec.raw_name: spec.name for spec in FIELDS if spec.raw_name != spec.name}
    assert renamed == {
        "heure_supplementaires": "heures_supplementaires",
        "augementation_salaire_precedente": "augmentation_salaire_precedente",
        "annes_sous_responsable_actuel": "annees_sous_responsable_actuel",
    }


def test_test_factory_covers_every_field() -> None:
    assert list(EMPLOYEE_1) == DESIGN_FIELDS
