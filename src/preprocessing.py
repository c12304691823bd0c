"""Raw HR extracts -> one clean record per employee, with canonical field names.

Every rule that turns an extract value into a canonical value lives here (percent strings,
Oui/Non flags, key spellings), so training, serving and the database loader read data the same
way. Broken extracts are refused with a message naming the file, the column and the employees;
nothing is dropped or duplicated silently.
"""

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from src.errors import ExtractError
from src.fields import (
    CONSTANT_COLUMNS,
    EMPLOYEE_ID,
    FIELDS,
    KEY_COLUMNS,
    ORDER_RULES,
    TARGET,
    Extract,
    FieldSpec,
    Kind,
)

_OUI_NON = {"Oui": True, "Non": False}
_SHOWN_KEYS = 10


def has_extracts(data_dir: Path) -> bool:
    """Whether `data_dir` holds the three HR extracts (the public Space has none)."""
    return all((data_dir / extract.value).is_file() for extract in Extract)


def parse_percent(value: str) -> float:
    """'11 %' (or '11%', '11') -> 11.0; anything else is an error naming what was given."""
    text = value.strip().removesuffix("%").strip()
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"got {value!r}, expected a percentage such as '11 %'") from None


def parse_oui_non(value: str) -> bool:
    """'Oui' -> True, 'Non' -> False; the extracts use nothing else."""
    try:
        return _OUI_NON[value.strip()]
    except KeyError:
        raise ValueError(f"got {value!r}, allowed Oui, Non") from None


def load_extracts(data_dir: Path) -> pd.DataFrame:
    """Read, check, join and clean the three extracts.

    Returns one row per employee indexed by `id_employee` (sorted), with the canonical fields of
    `src.fields.FIELDS` and the target, in that order.
    """
    keyed = {extract: _read_keyed(data_dir / extract.value, extract) for extract in Extract}
    _check_same_employees(keyed)
    merged = pd.concat(list(keyed.values()), axis="columns", join="inner").sort_index()
    return _clean(merged)


def hash_records(clean: pd.DataFrame) -> str:
    """sha256 of clean records (ids, canonical fields, target): names the data a model learnt
    from by its content, so the same employees and outcomes hash the same whether they came
    from the extracts or the database, and a file saved again with other quoting does not
    look like new data."""
    text = clean.to_csv(lineterminator="\n")  # floats as repr: exact and stable
    return hashlib.sha256(text.encode()).hexdigest()


def frame_from_records(
    records: Mapping[int, Mapping[str, object]], targets: Mapping[int, bool]
) -> pd.DataFrame:
    """Stored canonical records and their outcomes -> the frame `load_extracts` returns for
    the same employees (same columns, order, types and index), checked by the same rules."""
    ids = sorted(records)
    columns = {
        spec.name: pd.Series([records[i][spec.name] for i in ids], dtype=_DTYPES[spec.kind])
        for spec in FIELDS
    }
    columns[TARGET.name] = pd.Series([targets[i] for i in ids], dtype="bool")
    clean = pd.DataFrame(columns).set_axis(pd.Index(ids, name=EMPLOYEE_ID))
    _check_order_rules(clean)
    return clean


def _expected_columns(extract: Extract) -> list[str]:
    specs = [spec for spec in (*FIELDS, TARGET) if spec.extract is extract]
    return [KEY_COLUMNS[extract], *(s.raw_name for s in specs), *CONSTANT_COLUMNS[extract]]


def _read_keyed(path: Path, extract: Extract) -> pd.DataFrame:
    """Read one extract as text, check its columns and index it by the integer employee id."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise ExtractError(f"{extract.value}: file not found in {path.parent}") from None
    missing = [c for c in _expected_columns(extract) if c not in frame.columns]
    if missing:
        raise ExtractError(f"{extract.value}: missing column(s) {', '.join(missing)}")
    key_column = KEY_COLUMNS[extract]
    ids = frame[key_column].map(lambda raw: _parse_key(raw, extract))
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        raise ExtractError(
            f"{extract.value}: {key_column} repeats for employee(s) {_show(duplicated)}"
        )
    frame = frame.drop(columns=[key_column, *CONSTANT_COLUMNS[extract]])
    frame.index = pd.Index(ids, name=EMPLOYEE_ID)
    return frame


def _parse_key(raw: str, extract: Extract) -> int:
    """Each extract spells the employee id its own way: 1, 'E_1', '000001'."""
    text = raw.strip()
    if extract is Extract.EVAL:
        text = text.removeprefix("E_")
    if not text.isdigit():
        raise ExtractError(f"{extract.value}: {KEY_COLUMNS[extract]} {raw!r} is not an employee id")
    return int(text)


def _check_same_employees(keyed: dict[Extract, pd.DataFrame]) -> None:
    reference = Extract.SIRH
    reference_ids = set(keyed[reference].index)
    for extract, frame in keyed.items():
        ids = set(frame.index)
        only_here, absent_here = sorted(ids - reference_ids), sorted(reference_ids - ids)
        if only_here or absent_here:
            problems = []
            if only_here:
                problems.append(f"employee(s) {_show(only_here)} not in {reference.value}")
            if absent_here:
                problems.append(f"employee(s) {_show(absent_here)} of {reference.value} missing")
            raise ExtractError(
                f"{extract.value}: keys do not line up one to one ({KEY_COLUMNS[extract]} vs "
                f"{KEY_COLUMNS[reference]}): {'; '.join(problems)}"
            )


def _clean(merged: pd.DataFrame) -> pd.DataFrame:
    specs = (*FIELDS, TARGET)
    columns = {spec.name: _clean_column(merged[spec.raw_name], spec) for spec in specs}
    clean = pd.DataFrame(columns, index=merged.index)
    _check_order_rules(clean)
    return clean


def _check_order_rules(clean: pd.DataFrame) -> None:
    """Year counters that contradict each other mean a wrong join or a corrupted extract."""
    for rule in ORDER_RULES:
        broken = clean.index[clean[rule.smaller] > clean[rule.larger]]
        if len(broken):
            first = broken[0]
            raise ExtractError(
                f"employee {first}: {rule.smaller} ({clean.at[first, rule.smaller]}) exceeds "
                f"{rule.larger} ({clean.at[first, rule.larger]}); {len(broken)} employee(s) break "
                "this rule"
            )


def _clean_column(raw: pd.Series, spec: FieldSpec) -> pd.Series:
    """Apply the field's cleaning rule and check its allowed values or range."""
    try:
        if spec.kind is Kind.CATEGORY:
            values = raw.str.strip()
            bad = values[~values.isin(spec.allowed)]
        else:
            values = raw.map(lambda value: _parse_scalar(value, spec))
            bad = values[_outside_range(values, spec)]
    except ValueError as err:
        raise ExtractError(f"{spec.extract.value}: column {spec.raw_name}: {err}") from err
    if len(bad):
        raise ExtractError(
            f"{spec.extract.value}: column {spec.raw_name}: got {raw[bad.index[0]]!r} for employee "
            f"{bad.index[0]} ({len(bad)} row(s) in all), allowed {spec.describe_allowed()}"
        )
    return values.astype(_DTYPES[spec.kind])


_DTYPES = {
    Kind.INTEGER: "int64",
    Kind.NUMBER: "float64",
    Kind.PERCENT: "float64",
    Kind.BOOLEAN: "bool",
    Kind.CATEGORY: "object",
}


def _parse_scalar(value: str, spec: FieldSpec) -> float | bool:
    if spec.kind is Kind.BOOLEAN:
        return parse_oui_non(value)
    if spec.kind is Kind.PERCENT:
        return parse_percent(value)
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"got {value!r}, expected a number") from None
    if spec.kind is Kind.INTEGER and not number.is_integer():
        raise ValueError(f"got {value!r}, expected a whole number")
    return number


def _outside_range(values: pd.Series, spec: FieldSpec) -> pd.Series:
    if spec.kind is Kind.BOOLEAN:
        return pd.Series(False, index=values.index)
    return (values < spec.minimum) | (values > spec.maximum)


def _show(keys: Iterable[int]) -> str:
    keys = list(keys)
    shown = ", ".join(str(key) for key in keys[:_SHOWN_KEYS])
    return shown + (f" and {len(keys) - _SHOWN_KEYS} more" if len(keys) > _SHOWN_KEYS else "")
