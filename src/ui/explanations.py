"""A prediction's factors as an HR person reads them: the field they know (not the model's
transformed feature), the employee's value, and the effect in points of risk, with a sentence
for the few that matter most.

Points are percentage points of the probability of leaving, relative to the reference employee
(the training mean), from the answer's exact logit contributions (`probability_points`): they
add up to the gap between this employee's risk and the reference's, so the chart and the
sentences never claim more than the probability shows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy.special import expit

from src.features import FEATURES_BY_NAME, Feature, build_features, columns_from_records
from src.fields import FIELDS_BY_NAME, Kind
from src.prediction import Scoring, probability_points
from src.schemas import Prediction
from src.ui.messages import number_text

#: Sentences under a prediction: at least three factors, up to five while they weigh a point.
FEWEST_SENTENCES, MOST_SENTENCES = 3, 5


@dataclass(frozen=True)
class ShownFactor:
    label: str  # the field's French label, e.g. "Heures supplémentaires"
    value: str  # the employee's value, e.g. "Oui", "Célibataire", "5 993"
    points: float  # percentage points of risk against the reference employee (+: raises it)

    @property
    def name(self) -> str:
        """The label with the value: what the chart shows on its axis."""
        return f"{self.label} — {self.value}"


@dataclass(frozen=True)
class Explained:
    factors: list[ShownFactor]  # largest effect first
    reference_probability: float  # the reference employee's risk (0 to 1)


def explain(prediction: Prediction, record: Mapping[str, object]) -> Explained:
    """The answer's factors in points, each with the value it is about."""
    [explained] = explain_many([prediction], [record])
    return explained


def explain_many(
    predictions: Sequence[Prediction], records: Sequence[Mapping[str, object]]
) -> list[Explained]:
    """`explain` for each answer of a batch, the features computed once for all (a file of
    10,000 employees is explained in about a second, not ten)."""
    answers = []
    for prediction in predictions:
        if prediction.explanation_baseline is None:  # an answer from before the baseline
            raise ValueError("this answer carries no explanation baseline")
        pairs = [(factor.feature, factor.contribution) for factor in prediction.explanation]
        answers.append((prediction.explanation_baseline, pairs))
    return _explained_all(answers, records)


def explain_scorings(
    scorings: Sequence[Scoring], records: Sequence[Mapping[str, object]]
) -> list[Explained]:
    """`explain_many` for the predictor's own scores (the workforce view scores in memory)."""
    return _explained_all([(s.baseline_logit, s.contributions) for s in scorings], records)


Contributions = Sequence[tuple[str, float]]


def _explained_all(
    answers: Sequence[tuple[float, Contributions]], records: Sequence[Mapping[str, object]]
) -> list[Explained]:
    features = build_features(columns_from_records(records)) if records else {}
    return [
        _explained(
            baseline, pairs, record, {name: column[row] for name, column in features.items()}
        )
        for row, ((baseline, pairs), record) in enumerate(zip(answers, records, strict=True))
    ]


def _explained(
    baseline: float,
    contributions: Contributions,
    record: Mapping[str, object],
    features: Mapping[str, object],
) -> Explained:
    points = probability_points(baseline, [contribution for _, contribution in contributions])
    # The model's features of one field (the years, their log and "one year or less") are
    # one factor for a person: their points added up, so that the sentences never say a
    # field both raises and lowers the risk. The sum is still exact.
    merged: dict[tuple[str, str], float] = {}
    for (name, _), share in zip(contributions, points, strict=True):
        feature = FEATURES_BY_NAME[name]
        key = (_label(feature), _value(feature, record, features))
        merged[key] = merged.get(key, 0.0) + 100 * share
    factors = [ShownFactor(label, value, total) for (label, value), total in merged.items()]
    factors.sort(key=lambda factor: -abs(factor.points))
    return Explained(factors, float(expit(baseline)))


def sentences(explained: Explained) -> list[str]:
    """The three to five factors that matter most, in words."""
    kept = [
        factor
        for rank, factor in enumerate(explained.factors[:MOST_SENTENCES])
        if rank < FEWEST_SENTENCES or abs(factor.points) >= 1
    ]
    return [sentence(factor) for factor in kept]


def sentence(factor: ShownFactor) -> str:
    """« Heures supplémentaires — Oui : augmente le risque d'environ 18 points. »"""
    effect = "augmente" if factor.points > 0 else "diminue"
    return f"{factor.name} : {effect} le risque {points_text(factor.points)}."


def points_text(points: float) -> str:
    """« d'environ 18 points », « d'environ 1 point », « de moins d'un point »."""
    rounded = round(abs(points))
    if rounded == 0:
        return "de moins d'un point"
    return f"d'environ {rounded} point{'s' if rounded > 1 else ''}"


def _label(feature: Feature) -> str:
    return FIELDS_BY_NAME[feature.source].label if feature.source else feature.label


def _value(feature: Feature, record: Mapping[str, object], features: Mapping[str, object]) -> str:
    if feature.source is None:  # made from several fields: its own value
        return number_text(round(float(features[feature.name]), 1))  # type: ignore[arg-type]
    spec = FIELDS_BY_NAME[feature.source]
    value = record[feature.source]
    if spec.kind is Kind.BOOLEAN:
        return "Oui" if value else "Non"
    if spec.kind is Kind.CATEGORY:
        return str(value)
    return number_text(float(value))  # type: ignore[arg-type]  # the label says the unit
