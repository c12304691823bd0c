"""MODEL_CARD.md, rendered from the training metadata so the card and metadata.json agree."""

from typing import Any

METRIC_NAMES = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC (average precision)",
    "f1": "F1 (leavers)",
    "recall": "Recall (leavers)",
    "precision": "Precision (leavers)",
    "brier": "Brier score",
    "false_positive_rate": "False positive rate (stayers flagged)",
    "selection_rate": "Share of staff flagged",
    "threshold": "Decision threshold",
}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _span(values: list[float], digits: int = 3, percent: bool = False) -> str:
    low, high = values
    return (
        f"{low:.{digits}%}–{high:.{digits}%}" if percent else f"{low:.{digits}f}–{high:.{digits}f}"
    )


def _cv_rows(cv: dict[str, dict[str, Any]]) -> list[list[str]]:
    return [
        [
            label,
            f"{cv[key]['mean']:.3f} ± {cv[key]['std']:.3f}",
            _span(cv[key]["repeat_range"]) if "repeat_range" in cv[key] else "n/a",
        ]
        for key, label in METRIC_NAMES.items()
        if key in cv
    ]


def _candidates(candidates: dict[str, dict[str, dict[str, float]]], chosen: str) -> str:
    rows = [
        [
            f"**{name}**" if name == chosen else name,
            *(f"{cv[key]['mean']:.3f}" for key in ("roc_auc", "pr_auc", "brier", "f1")),
        ]
        for name, cv in candidates.items()
    ]
    return _table(["model", "ROC-AUC", "PR-AUC", "Brier", "F1"], rows)


def _with_interval(m: dict[str, Any], name: str) -> str:
    interval = m.get("intervals", {}).get(name)
    return f"{m[name]:.2f} ({_span(interval, 2)})" if interval else f"{m[name]:.2f}"


def _slices(slices: dict[str, dict[str, dict[str, Any]]]) -> str:
    rows = []
    for column, groups in slices.items():
        for value, m in groups.items():
            auc = f"{m['roc_auc']:.3f}" if "roc_auc" in m else "n/a"
            rows.append(
                [
                    column,
                    value,
                    str(m["n"]),
                    f"{m['leave_rate']:.1%}",
                    auc,
                    _with_interval(m, "recall"),
                    f"{m['precision']:.2f}",
                    _with_interval(m, "false_positive_rate"),
                    _with_interval(m, "selection_rate"),
                    f"{m['brier']:.3f}",
                ]
            )
    header = ["group", "value", "n", "left", "ROC-AUC", "recall", "precision", "FPR", "flagged"]
    header.append("Brier")
    return _table(header, rows)


#: A band whose observed rate is off the predicted one by more than this in every repeat is
#: named in the card.
_CALIBRATION_GAP = 0.05


def _calibration(rows: list[dict[str, Any]], tests: list[dict[str, float]], n_repeats: int) -> str:
    body = [
        [
            f"{r['from']:.2f}–{min(r['to'], 1.0):.2f}",
            str(r["n"]),
            f"{r['mean_probability']:.1%}",
            f"{r['observed_rate']:.1%}",
            f"{r['gap_range'][0] * 100:+.1f} to {r['gap_range'][1] * 100:+.1f}"
            if "gap_range" in r
            else "n/a",
        ]
        for r in rows
    ]
    header = ["predicted band", "n", "mean predicted", "observed", "gap, points (repeats)"]
    lines = [_table(header, body), ""]
    if tests:
        p_values = ", ".join(f"{t['p_value']:.2g}" for t in tests)
        lines.append(
            f"- Hosmer–Lemeshow test over deciles of predicted risk ({tests[0]['df']} df), one "
            f"per repeat: p = {p_values}."
        )
    for r in rows:
        if r.get("repeats") != n_repeats:
            continue  # empty in some repeat: "in every repeat" would not be true
        low, high = r["gap_range"]
        band = f"{r['from']:.0%}–{min(r['to'], 1.0):.0%}"
        if low > _CALIBRATION_GAP:
            lines.append(
                f"- **Under-predicted**: employees given {band} leave more often than predicted, "
                f"by {_points(low, high)} in every repeat."
            )
        elif high < -_CALIBRATION_GAP:
            lines.append(
                f"- **Over-predicted**: employees given {band} leave less often than predicted, "
                f"by {_points(-high, -low)} in every repeat."
            )
    return "\n".join(lines)


def _points(low: float, high: float) -> str:
    low_points, high_points = round(low * 100), round(high * 100)
    if low_points == high_points:
        return f"about {low_points} points"
    return f"{low_points} to {high_points} points"


def _operating_points(rows: list[dict[str, Any]], threshold: float) -> str:
    def cell(row: dict[str, Any], name: str) -> str:
        low, high = row[f"{name}_range"]
        return f"{row[name]:.1%} ({low:.1%}–{high:.1%})"

    body = [
        [
            f"**{r['threshold']:.3f}** (the model's)"
            if abs(r["threshold"] - threshold) < 5e-4
            else f"{r['threshold']:.2f}",
            cell(r, "recall"),
            cell(r, "precision"),
            cell(r, "share_flagged"),
        ]
        for r in rows
    ]
    header = ["threshold", "leavers found (recall)", "flagged who leave (precision)"]
    return _table([*header, "staff flagged"], body)


def _risk_levels(levels: list[dict[str, Any]]) -> str:
    body = [
        [
            r["level"],
            f"{r['from']:.3f}",
            f"{r['to']:.3f}",
            str(r["n"]),
            f"{r['observed_rate']:.1%}"
            + (
                f" ({_span(r['observed_rate_range'], 1, True)})"
                if "observed_rate_range" in r
                else ""
            ),
        ]
        for r in levels
    ]
    header = ["level", "from (≥)", "to (<)", "employees (OOF)", "observed leave rate (repeats)"]
    return _table(header, body)


def _data_source(data: dict[str, Any]) -> str:
    if data.get("source") != "database":
        return (
            "from three HR extracts (HR system, performance reviews, survey) joined on the employee"
        )
    reported = data.get("reported_outcomes", {})
    return (
        "as the service stored them: the employees of the HR extracts, each with the newest "
        f"outcome HR reported ({reported.get('reported_used', 0)} reported, "
        f"{reported.get('reported_changed', 0)} of which changed what the extracts said)"
    )


def _baseline(metadata: dict[str, Any]) -> str:
    explanation = metadata.get("explanation")
    if not explanation:
        return ""
    return (
        f"The baseline is the logit of the reference employee (the training mean), "
        f"{explanation['baseline_logit']:.4f}; `/model` and every prediction give it "
        "(`explanation_baseline`), so that probability = 1 / (1 + exp(−(baseline + sum of the "
        "contributions))). The HR interface shows each contribution in percentage points of "
        "risk against the reference employee: contribution × (p − p_ref) / (logit − logit_ref), "
        "the Aumann–Shapley attribution along the straight path in logit from the reference "
        "to the employee. The points add up to p − p_ref exactly and keep their "
        "contribution's sign (when the contributions cancel out, the slope of the sigmoid at "
        "the reference takes the ratio's place)."
    )


def _importance(features: list[dict[str, Any]]) -> str:
    ranked = sorted(features, key=lambda f: -f["mean_abs_contribution"])[:12]
    body = [[f["name"], f["label"], f"{f['mean_abs_contribution']:.3f}"] for f in ranked]
    return _table(["feature", "meaning", "mean |contribution| (logit)"], body)


def _lifecycle(lifecycle: dict[str, Any] | None) -> str:
    """Where the version comes from and how it fared against the champion."""
    if not lifecycle:
        return "No record of a previous version."
    previous = lifecycle["previous_version"]
    if lifecycle["change"] == "none":
        previous = f"{previous}, whose very file this retrain reproduced"
    lines = [
        f"Version computed from {previous or 'none (first model)'} ({lifecycle['change']} "
        f"change); MLflow run `{lifecycle['mlflow_run_id'] or 'not tracked'}`."
    ]
    comparison = lifecycle["comparison"]
    if comparison is None:
        return lines[0]
    rows = [
        [
            METRIC_NAMES[t["metric"]],
            f"{t['champion_mean']:.4f}",
            f"{t['challenger_mean']:.4f}",
            f"{t['advantage']:+.4f}",
            f"{t['lower_bound']:+.4f}",
            f"−{t['margin']}",
            f"{t['p_non_inferiority']:.3f}",
            "**worse**" if t["worse"] else "not worse",
        ]
        for t in comparison["metrics"]
    ]
    header = ["metric", "champion", "this model", "advantage", "95 % bound", "margin"]
    header += ["p (worse by the margin)", ""]
    worse = [r for r in comparison["slices"] if r["worse"]]
    slices = (
        "; ".join(
            f"{r['metric']} of {r['group']}={r['value']} {r['champion']:.2f} → "
            f"{r['challenger']:.2f}"
            for r in worse
        )
        or "none"
    )
    policy = comparison["policy"]
    lines += [
        "",
        f"Against the champion {comparison['champion']}, both recipes cross-validated on the "
        f"same {comparison['folds']} folds (paired differences, Nadeau–Bengio corrected "
        "t-test; the advantage is positive when this model is better, Brier included):",
        "",
        _table(header, rows),
        "",
        f"Groups whose recall fell or false positive rate rose by more than "
        f"{policy['slice_tolerance']}: {slices}. Decision: **{comparison['decision']}**.",
    ]
    return "\n".join(lines)


def render_model_card(metadata: dict[str, Any]) -> str:
    """The card's Markdown; every number comes from `metadata`."""
    metrics, data = metadata["metrics"], metadata["training_data"]
    protocol, holdout = metrics["protocol"], metrics["holdout"]
    rate = data["n_leavers"] / data["n_employees"]
    return f"""# Model card — TechNova attrition model {metadata["version"]}

## Intended use
Estimates, for one employee of TechNova Partners, the probability of leaving the company, so that
the HR team can open a conversation early and see which factors drive the risk. It is a decision
aid for people, not a decision: it must not be used alone to hire, fire, promote or pay anyone.

## Data
{data["n_employees"]} employees ({data["n_leavers"]} leavers, {rate:.1%}) {_data_source(data)};
data sha256 `{data["sha256"]}` (of the clean records and outcomes, whatever their source).
Constant columns are dropped; see `src/fields.py` for the field list.

## Model
{metadata["estimator"]["description"]} Regularisation C = {metadata["estimator"]["C"]:g}.
Decision threshold {metadata["threshold"]:.3f} (maximises the leavers' F1 on inner folds).
Trained {metadata["trained_at"]} with scikit-learn {metadata["libraries"]["scikit-learn"]}.

## Protocol
Repeated stratified {protocol["n_splits"]}-fold cross-validation, {protocol["n_repeats"]} repeats,
`random_state={protocol["random_state"]}`, over all employees. Inside each training fold: C is
tuned, probabilities are Platt-calibrated on out-of-fold scores and the threshold is chosen; the
test fold is only scored. The final model repeats the same steps on all data.

## Version
{_lifecycle(metadata.get("lifecycle"))}

## Metrics (cross-validated, mean ± std over {len(metrics["cv_folds"])} folds)
{_table(["metric", "value", "range of the repeats' means"], _cv_rows(metrics["cv"]))}

Fixed stratified {protocol["holdout_size"]:.0%} holdout (`random_state={protocol["random_state"]}`),
for comparison with single-split results: ROC-AUC {holdout["roc_auc"]:.3f},
PR-AUC {holdout["pr_auc"]:.3f}, F1 {holdout["f1"]:.3f}, Brier {holdout["brier"]:.3f}.

### Candidates (same protocol)
{_candidates(metrics["candidates"], metadata["estimator"]["family"])}

A linear model is shipped when it is within 0.01 ROC-AUC of the best, because its explanations
are exact: each contribution is coefficient × (value − training mean) on the calibrated logit.
{_baseline(metadata)}

## Calibration (out-of-fold, mean over the repeats)
{_calibration(metrics["calibration"], metrics.get("hosmer_lemeshow", []), protocol["n_repeats"])}

Platt scaling keeps the calibrated logit affine in the features, which is what makes the
explanations add up exactly. Isotonic calibration was tried under the same protocol
(`bench/calibration.py`; figures of its last run, on the 1.0.0 data, in `bench/README.md`): it
mends the top bands (Hosmer–Lemeshow p from 0.12 to 0.93) and the Brier score barely moves, but it
ranks worse (PR-AUC −0.036, beyond the 0.02 a challenger may lose; log loss +0.016), and as a
step function of the score it would break the additivity of the explanations. Platt is kept;
read a probability above 50 % as "at least that".

## Operating points (out-of-fold, mean and range over the repeats)
Flagging everyone at or above a threshold: the share of leavers found, the share of flagged
employees who leave, and the share of staff HR would talk to. The model's own threshold
maximises the leavers' F1; a team with time for more conversations can choose a lower one.

{_operating_points(metrics.get("operating_points", []), metadata["threshold"])}

## Risk levels
`faible` below the base rate, `moyen` from the base rate to the threshold, `élevé` at or above
the threshold (the employee is predicted to leave).

{_risk_levels(metrics["risk_levels"])}

## Features that matter
{_importance(metadata["features"])}

## Metrics by group (out-of-fold, mean over repeats)
In brackets, 95 % bootstrap intervals (the group's employees resampled 1,000 times): a small
group's figures can move a lot by chance, and its interval says how much.

{_slices(metrics["slices"])}

## Limits
- **Timing**: tenure counters (years in the company, in the post, since the last promotion, with
  the manager) stop at the exit date for leavers, and survey answers may postdate a resignation.
  Some of the signal may be a consequence of leaving rather than a cause; scores of current
  employees can be lower than the CV figures suggest.
- Data from one company and one period (a relabelling of IBM's public HR sample); scores outside
  that population are untested. Small groups (e.g. the HR department) have wide uncertainty.
- `genre` and age are inputs: check the per-group table before any use that could discriminate.
- Probabilities are calibrated on the historical leave rate ({rate:.1%}); if that rate
  changes, retrain.
"""
