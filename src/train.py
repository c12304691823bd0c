"""Training CLI: `python -m src.train` evaluates candidates, fits the chosen one, writes models/.

Run it twice on the same data and it writes the same model (every random step is seeded).
"""

import argparse
import logging
import platform
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import scipy
import sklearn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from database import registry
from database.engine import engine_from_settings
from database.migrate import upgrade
from src.artifacts import (
    METADATA_FILE,
    hub_file,
    model_bytes,
    read_metadata,
    sha256_bytes,
    write_artifacts,
)
from src.config import Settings
from src.errors import ModelSelectionError, NoTrainingDataError
from src.estimator import (
    CANDIDATES,
    LINEAR_CANDIDATES,
    TrainedModel,
    build_trained_model,
    fitted_pipeline,
    recipe_of,
)
from src.evaluation import (
    CrossValidation,
    Protocol,
    age_band,
    calibration_table,
    cross_validate,
    evaluate_holdout,
    hosmer_lemeshow,
    operating_points,
    slice_metrics,
)
from src.features import FEATURES, build_feature_frame, build_features, columns_from_frame
from src.fields import TARGET, describe_fields
from src.lifecycle.comparison import compare
from src.lifecycle.store import status_of, store_and_register
from src.lifecycle.tracking import TrackedRun, tracking_store
from src.lifecycle.training_data import SOURCES, TrainingData
from src.lifecycle.versioning import change_kind, latest, next_version
from src.model_card import render_model_card
from src.monitoring.profile import build_profile
from src.prediction import Predictor, RiskLevels

logger = logging.getLogger(__name__)

#: The bar of issue 2, on the cross-validated means.
BAR = {"roc_auc": 0.840, "pr_auc": 0.630, "brier": 0.10}
LINEAR_TOLERANCE = 0.01
#: The thresholds of the model card's operating-point table (the model's own is added).
OPERATING_THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6)
CALIBRATION_EDGES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0 + 1e-9)


def select_candidate(summaries: dict[str, dict[str, dict[str, float]]]) -> str:
    """The best ROC-AUC, unless a linear model is within LINEAR_TOLERANCE of it.

    Only linear models can be shipped (their explanations are exact), so a non-linear model
    that is clearly better stops training instead of being shipped without explanations.
    """
    auc = {name: summary["roc_auc"]["mean"] for name, summary in summaries.items()}
    best = max(auc, key=auc.__getitem__)
    linear = [name for name in auc if name in LINEAR_CANDIDATES]
    if not linear:
        raise ModelSelectionError("no linear candidate was evaluated; nothing can be shipped")
    best_linear = max(linear, key=auc.__getitem__)
    if auc[best] - auc[best_linear] > LINEAR_TOLERANCE:
        raise ModelSelectionError(
            f"{best} beats {best_linear} by {auc[best] - auc[best_linear]:.3f} ROC-AUC; "
            "shipping it needs a non-linear explainer"
        )
    return best_linear


def check_bar(summary: dict[str, dict[str, float]]) -> list[str]:
    """The bar's failures, as sentences; empty when the model clears it."""
    failures = []
    for metric, limit in BAR.items():
        value = summary[metric]["mean"]
        failed = value > limit if metric == "brier" else value < limit
        if failed:
            failures.append(f"CV {metric} {value:.3f} misses the bar {limit:.3f}")
    return failures


def _risk_level_rows(
    levels: RiskLevels, target: np.ndarray, cv: CrossValidation
) -> list[dict[str, Any]]:
    """How the risk bands sort employees the models never saw (out of fold): the mean over
    the repeats, and the range of the observed leave rate across them."""
    bounds = [("faible", 0.0, levels.moyen_from), ("moyen", levels.moyen_from, levels.eleve_from)]
    bounds.append(("élevé", levels.eleve_from, 1.0))
    rows = []
    for level, low, high in bounds:
        counts, rates = [], []
        for oof in cv.repeats:
            p = oof.probabilities
            mask = (p >= low) & ((p < high) | (level == "élevé"))
            counts.append(int(mask.sum()))
            if mask.any():  # a band empty in a repeat has no rate there
                rates.append(float(target[mask].mean()))
        rows.append(
            {
                "level": level,
                "from": low,
                "to": high,
                "n": int(round(np.mean(counts))),
                "observed_rate": float(np.mean(rates)) if rates else 0.0,
                "observed_rate_range": [min(rates), max(rates)] if rates else [0.0, 0.0],
            }
        )
    return rows


def _feature_rows(model: TrainedModel, features: pd.DataFrame) -> list[dict[str, Any]]:
    """Each model feature: how it is encoded and how much it moves the logit on average."""
    predictor = Predictor(model)
    contributions = predictor.score_features(
        {name: features[name].to_numpy() for name in features.columns}
    ).contributions
    mean_abs = dict(zip(predictor.feature_names, np.abs(contributions).mean(axis=0), strict=True))
    return [
        {
            "name": f.name,
            "label": f.label,
            "encoding": "one-hot" if f.is_categorical else "standardised",
            **({"categories": list(f.categories)} if f.is_categorical else {}),
            "mean_abs_contribution": float(mean_abs[f.name]),
        }
        for f in FEATURES
    ]


def _risk_cutoffs(levels: RiskLevels) -> dict[str, list[float]]:
    return {
        "faible": [0.0, levels.moyen_from],
        "moyen": [levels.moyen_from, levels.eleve_from],
        "élevé": [levels.eleve_from, 1.0],
    }


def groups_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The groups whose metrics are reported, and that a challenger must not treat worse."""
    return pd.DataFrame(
        {
            "genre": frame["genre"],
            "age_band": age_band(frame["age"]),
            "departement": frame["departement"],
            "statut_marital": frame["statut_marital"],
        }
    )


def _out_of_fold_views(
    model: TrainedModel, frame: pd.DataFrame, target: np.ndarray, cv: CrossValidation, seed: int
) -> dict[str, Any]:
    """Calibration, risk bands and per-group metrics, all on answers of models that never saw
    the employee."""
    groups = groups_of(frame)
    levels = RiskLevels.derive(model.base_rate, model.threshold)
    return {
        "calibration": calibration_table(target, cv, CALIBRATION_EDGES),
        "operating_points": operating_points(
            target, cv, (*OPERATING_THRESHOLDS, round(model.threshold, 3))
        ),
        "hosmer_lemeshow": [hosmer_lemeshow(target, oof.probabilities) for oof in cv.repeats],
        "risk_levels": _risk_level_rows(levels, target, cv),
        "slices": slice_metrics(groups, target, cv, seed),
    }


def _libraries() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "joblib": joblib.__version__,
    }


def with_profile(model: TrainedModel, frame: pd.DataFrame, target: np.ndarray) -> TrainedModel:
    """`model` carrying the profile of the clean records it was fitted on, its scores
    computed as serving computes them."""
    fields = columns_from_frame(frame)
    inputs = build_features(fields)
    probabilities = Predictor(model).score_features(inputs).probabilities
    return replace(model, profile=build_profile(fields, inputs, probabilities, target))


#: A training's progress: (steps done, steps in all, what it is doing).
Progress = Callable[[int, int, str], None]


class _Steps:
    """Counts outer folds and fits done, for `Progress`."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self._progress = 0, total, progress
        self.stage = "starting"

    def __call__(self) -> None:
        self.done += 1
        if self._progress is not None:
            self._progress(self.done, self.total, self.stage)


def train(
    data: TrainingData,
    output_dir: Path,
    protocol: Protocol,
    candidates: tuple[str, ...] = tuple(CANDIDATES),
    n_jobs: int = 1,
    champion: dict[str, Any] | None = None,
    run: TrackedRun | None = None,
    progress: Progress | None = None,
    after: str | None = None,
    over_champion: bool = False,
) -> dict[str, Any]:
    """Evaluate, select, compare with `champion` (its metadata), fit and write the artifacts;
    returns the metadata written. The version follows `after` (the newest registered version),
    else the champion's (`src.lifecycle.versioning`).

    Raises ModelSelectionError when no candidate may be shipped, the chosen one misses the
    bar, or (`over_champion`: the output folder is the champion's) it is refused.
    """
    frame = data.frame
    features = build_feature_frame(frame)
    target = frame[TARGET.name].to_numpy(dtype=int)
    folds = protocol.n_splits * protocol.n_repeats
    steps = _Steps((len(candidates) + (champion is not None)) * folds + 2, progress)
    evaluations = {}
    for name in candidates:
        logger.info("cross-validating %s", name)
        steps.stage = f"cross-validating {name}"
        evaluations[name] = cross_validate(
            CANDIDATES[name], features, target, protocol, n_jobs, steps
        )
    summaries = {name: cv.summary() for name, cv in evaluations.items()}
    chosen = select_candidate(summaries)
    failures = check_bar(summaries[chosen])
    if failures:
        raise ModelSelectionError("; ".join(failures))
    comparison = None
    if champion is not None:
        logger.info("cross-validating the champion %s on the same folds", champion["version"])
        steps.stage = f"cross-validating the champion {champion['version']}"
        recipe = recipe_of(champion["estimator"])
        champion_cv = cross_validate(recipe, features, target, protocol, n_jobs, steps)
        comparison = compare(champion_cv, evaluations[chosen], groups_of(frame), target, protocol)
        comparison = {"champion": champion["version"], **comparison}
        if over_champion and comparison["decision"] == "keep the champion":
            raise ModelSelectionError(
                "refused against the champion, so not written over it ("
                + "; ".join(comparison["reasons"])
                + "); --output-dir elsewhere keeps it for a look"
            )
    fit = CANDIDATES[chosen]
    steps.stage = "holdout"
    holdout = evaluate_holdout(fit, features, target, protocol)
    steps()
    steps.stage = "fitting the model on all the data"
    model = with_profile(
        build_trained_model(fit, features, target, protocol.random_state), frame, target
    )
    steps()
    metrics = {
        "protocol": asdict(protocol),
        "cv": summaries[chosen],
        "cv_folds": evaluations[chosen].folds,
        "holdout": holdout,
        "candidates": summaries,
        "bar": BAR,
        **_out_of_fold_views(model, frame, target, evaluations[chosen], protocol.random_state),
    }
    metadata = {
        "name": "technova-attrition",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": data.describe(),
        "libraries": _libraries(),
        "estimator": {
            "family": chosen,
            "C": float(fitted_pipeline(model.estimator).named_steps["classifier"].C),
            "description": "Class-weighted logistic regression on standardised numeric features "
            "and one-hot categories, Platt-calibrated (sigmoid, 5-fold, one fitted model).",
        },
        "threshold": model.threshold,
        "base_rate": model.base_rate,
        "risk_levels": _risk_cutoffs(RiskLevels.derive(model.base_rate, model.threshold)),
        "input_schema": describe_fields(),
        "features": _feature_rows(model, features),
        "explanation": {
            "baseline_logit": Predictor(model).baseline_logit,
            "unit": "logit",
            "reference": "the mean encoded row of the training data",
        },
        "metrics": metrics,
    }
    if champion is None:  # a first model, or none to compare with: a major version
        change, version = "major", next_version(after, "major")
    elif sha256_bytes(model_bytes(model)) == champion["sha256"]:
        change, version = "none", champion["version"]  # the champion's very file, again
    else:
        change = change_kind(champion, metadata)
        version = next_version(after or champion["version"], change)
    metadata = {
        "name": metadata.pop("name"),
        "version": version,
        **metadata,
        "lifecycle": {
            "previous_version": champion and champion["version"],
            "change": change,
            "mlflow_run_id": run and run.run_id,
            "comparison": comparison,
        },
    }
    written = write_artifacts(model, metadata, render_model_card(metadata), output_dir)
    if run is not None:
        run.record(written, output_dir, comparison)
    return written


def registry_state(engine: Engine, settings: Settings) -> tuple[str | None, bool, Path | None]:
    """The newest registered version (the one to bump), whether anything is registered, and
    a folder holding the champion's metadata: its own, if its files are here, else the Hub
    revision that shipped it (a service that loaded it from the Hub registered its cache,
    which a trainer elsewhere does not have). None when neither can be read."""
    with Session(engine) as session:
        registered = [row for row in registry.versions(session) if row.location]
        champion = registry.champion(session)
    newest = latest([row.version for row in registered])
    folder = champion and champion.location and Path(champion.location)
    if folder and (folder / METADATA_FILE).is_file():
        return newest, bool(registered), folder
    if champion is not None and champion.hub_repo_id and champion.hub_revision:
        try:
            metadata = hub_file(
                settings, champion.hub_repo_id, champion.hub_revision, METADATA_FILE
            )
            return newest, bool(registered), metadata.parent
        except Exception as err:  # noqa: BLE001 (any Hub failure: say it, train nothing)
            logger.error(
                "the champion's Hub revision %s@%s could not be read: %s",
                champion.hub_repo_id,
                champion.hub_revision,
                type(err).__name__,
            )
    return newest, bool(registered), None


def read_champion(path: Path | None) -> dict[str, Any] | None:
    """The champion's metadata, when there is one to compare with."""
    if path is None or not (path / METADATA_FILE).is_file():
        return None
    return read_metadata(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--data-dir", type=Path, default=Path("data"), help="the three HR extracts (CSV)"
    )
    parser.add_argument(
        "--source",
        choices=SOURCES,
        default="extracts",
        help="the HR extracts in --data-dir, or the stored employees with the outcomes "
        "reported through POST /outcomes (DATABASE_URL)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("models"),
        help="where the model, its metadata and its card are written",
    )
    parser.add_argument(
        "--champion",
        type=Path,
        default=Path("models"),
        help="the model to beat (its folder); its version is the one bumped",
    )
    parser.add_argument("--no-champion", action="store_true", help="first model: version 1.0.0")
    parser.add_argument(
        "--only-if-data-changed",
        action="store_true",
        help="train nothing when the data hash is the champion's (the scheduled retraining)",
    )
    parser.add_argument(
        "--register",
        action="store_true",
        help="against the registry's champion (DATABASE_URL), then into the model store "
        "(MODEL_STORE_DIR) and the registry, as a challenger or refused",
    )
    parser.add_argument(
        "--n-repeats",
        type=int,
        default=Protocol.n_repeats,
        help="repeats of the 5-fold cross-validation (fewer: faster, rougher figures)",
    )
    parser.add_argument(
        "--candidates",
        nargs="+",
        choices=list(CANDIDATES),
        default=list(CANDIDATES),
        help="the estimators compared",
    )
    parser.add_argument("--n-jobs", type=int, default=1, help="outer folds fitted in parallel")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings()
    if not (args.register or args.source == "database"):
        return _run(args, settings, None)
    engine = engine_from_settings(settings)
    try:
        upgrade(engine)
        return _run(args, settings, engine)
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, settings: Settings, engine: Engine | None) -> int:
    champion_dir = None if args.no_champion else args.champion
    after = None
    if args.register:
        after, registered, champion_dir = registry_state(engine, settings)
        if registered and champion_dir is None and not args.no_champion:
            logger.error(
                "the registry's champion has no files here: train where MODEL_STORE_DIR and "
                "the champion's folder are mounted (or --no-champion for a first model)"
            )
            return 1
    champion = read_champion(champion_dir)
    try:
        data = TrainingData.load(args.source, args.data_dir, engine)
    except NoTrainingDataError as err:
        logger.error("nothing to train on: %s", err)
        return 1
    if (
        args.only_if_data_changed
        and champion
        and champion["training_data"]["sha256"] == data.sha256
    ):
        logger.info("data unchanged since the champion %s: nothing trained", champion["version"])
        return 0
    store = tracking_store(settings.mlflow_tracking_uri, settings.mlflow_dir)
    over_champion = champion is not None and args.output_dir.resolve() == champion_dir.resolve()
    try:
        with TrackedRun(store, "training", {"data_sha256": data.sha256}) as run:
            metadata = train(
                data,
                args.output_dir,
                Protocol(n_repeats=args.n_repeats),
                tuple(args.candidates),
                args.n_jobs,
                champion,
                run,
                after=after,
                over_champion=over_champion,
            )
            if args.register:
                folder = store_and_register(engine, settings.model_store_dir, args.output_dir)
                if folder is None:
                    logger.info(
                        "this training reproduced %s, which is registered: nothing registered",
                        metadata["version"],
                    )
                else:
                    logger.info(
                        "registered %s (%s) in %s",
                        metadata["version"],
                        status_of(metadata),
                        folder,
                    )
    except (ModelSelectionError, ValueError) as err:
        logger.error("no model %s: %s", "registered" if args.register else "written", err)
        return 1
    _log_result(args.output_dir, metadata)
    return 0


def _log_result(output_dir: Path, metadata: dict[str, Any]) -> None:
    cv = metadata["metrics"]["cv"]
    logger.info(
        "wrote %s %s: %s, CV ROC-AUC %.3f ± %.3f, PR-AUC %.3f ± %.3f, Brier %.3f, threshold %.3f",
        output_dir,
        metadata["version"],
        metadata["estimator"]["family"],
        cv["roc_auc"]["mean"],
        cv["roc_auc"]["std"],
        cv["pr_auc"]["mean"],
        cv["pr_auc"]["std"],
        cv["brier"]["mean"],
        metadata["threshold"],
    )
    comparison = metadata["lifecycle"]["comparison"]
    if comparison is not None:
        logger.info("against the champion %s: %s", comparison["champion"], comparison["decision"])
        for reason in comparison["reasons"]:
            logger.info("  %s", reason)


if __name__ == "__main__":
    raise SystemExit(main())
