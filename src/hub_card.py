"""The model repo's README.md on the Hugging Face Hub: the model card with the YAML header the
Hub reads (library, tags, language, and the cross-validated metrics as `model-index`, which
the Hub shows as evaluation results). Built with `huggingface_hub.ModelCard`, from the same
metadata as MODEL_CARD.md, whose text it carries unchanged."""

from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from src.model_card import METRIC_NAMES

#: The metrics given to the Hub, named as the model card names them.
_HUB_METRICS = {key: METRIC_NAMES[key] for key in ("roc_auc", "pr_auc", "brier", "f1", "recall")}


#: The data a model learnt from, as the Hub's evaluation results name it (no Hub dataset).
_DATASETS = {
    "extracts": "TechNova Partners HR extracts",
    "database": "TechNova Partners employees with the outcomes HR reported",
}


def hub_card(metadata: dict[str, Any], card_text: str) -> ModelCard:
    """`card_text` (MODEL_CARD.md) behind the YAML header made from `metadata`."""
    protocol = metadata["metrics"]["protocol"]
    source = metadata["training_data"].get("source", "extracts")
    family = metadata["estimator"]["family"].replace("_", "-")
    evaluated_on = (
        f"repeated stratified {protocol['n_splits']}-fold CV, {protocol['n_repeats']} repeats"
    )
    results = [
        EvalResult(
            task_type="tabular-classification",
            task_name="Employee attrition",
            dataset_type="tabular",
            dataset_name=_DATASETS.get(source, _DATASETS["extracts"]),
            dataset_split=evaluated_on,
            dataset_revision=metadata["training_data"]["sha256"],
            metric_type=key,
            metric_name=name,
            metric_value=round(metadata["metrics"]["cv"][key]["mean"], 4),
        )
        for key, name in _HUB_METRICS.items()
    ]
    data = ModelCardData(
        model_name=f"{metadata['name']} {metadata['version']}",
        library_name="sklearn",
        pipeline_tag="tabular-classification",
        language="fr",
        license="other",
        tags=["tabular-classification", "attrition", "hr", family],
        eval_results=results,
        version=metadata["version"],
        model_sha256=metadata["sha256"],
    )
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n{card_text}")
