"""Batch prediction CLI: `python -m src.predict in.csv out.csv` scores a CSV with the model the
service serves now, and traces every prediction (source `cli`) like the API does.

The file is read as the UI's batch upload reads it (same columns, same checks, French error
messages); the output is the file's rows with the prediction, probability, risk level and
prediction id appended. With the database away, the traces wait in the spool (the service
replays them), as for the API.
"""

import argparse
import asyncio
import logging
from pathlib import Path

from sqlalchemy import Engine

from database.engine import engine_from_settings
from database.migrate import upgrade
from database.spool import TraceSpool, default_spool_dir
from database.writer import UNREACHABLE, TraceWriter
from src.config import Settings
from src.lifecycle.switch import active_model
from src.service import PredictionService, Serving
from src.tracing import Call
from src.ui.batch import BatchFileError, parse_batch, scored_frame

logger = logging.getLogger(__name__)


def _prepare(engine: Engine) -> None:
    try:
        upgrade(engine)
    except UNREACHABLE as err:  # the traces will be spooled
        logger.warning("database unreachable, traces go to the spool: %s", err)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("input", type=Path, help="CSV of employees (the UI's batch format)")
    parser.add_argument("output", type=Path, help="where to write the scored CSV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        parsed = parse_batch(args.input.read_bytes())
    except BatchFileError as err:
        table = "" if err.errors.empty else "\n" + err.errors.to_string(index=False)
        logger.error("%s : %s%s", args.input, err, table)
        return 2
    settings = Settings()
    engine = engine_from_settings(settings)
    _prepare(engine)
    serving = Serving.of(active_model(settings, engine))
    spool = TraceSpool(settings.spool_dir or default_spool_dir(engine.url))
    writer = TraceWriter(engine, serving.model, spool)
    writer.connect()
    service = PredictionService(serving, writer)
    call = Call(source="cli", method="CLI", route="python -m src.predict")
    try:
        answer = asyncio.run(service.predict_many(parsed.records, call))
    finally:
        writer.close()
        engine.dispose()
    predictions = answer.predictions
    scored_frame(parsed, predictions).to_csv(args.output, index=False)
    at_risk = sum(p.prediction == "Part" for p in predictions)
    logger.info(
        "%d employees scored by model %s (%d at risk), traced as request %s; written to %s",
        len(predictions),
        serving.version,
        at_risk,
        call.request_id,
        args.output,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
