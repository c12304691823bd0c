"""What the model benchmarks share: the training protocol's command-line options and the
shipped data, loaded as training loads them."""

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from src.artifacts import load_local
from src.evaluation import Protocol
from src.features import build_feature_frame
from src.fields import TARGET
from src.preprocessing import load_extracts


@dataclass(frozen=True)
class ProtocolRun:
    """The features and outcomes of the extracts, the protocol, the champion's metadata."""

    args: argparse.Namespace
    frame: pd.DataFrame
    features: pd.DataFrame
    target: np.ndarray
    protocol: Protocol
    champion: dict[str, Any]


def protocol_run(description: str, argv: list[str] | None) -> ProtocolRun:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--n-repeats", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    frame = load_extracts(args.data_dir)
    return ProtocolRun(
        args,
        frame,
        build_feature_frame(frame),
        frame[TARGET.name].to_numpy(dtype=int),
        Protocol(n_repeats=args.n_repeats),
        load_local(args.models_dir).metadata,
    )
