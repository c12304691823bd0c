"""Numbers and files as French HR people and French Excel write them.

A French person types `950,5` and `1 234`; French Excel saves a CSV in Windows-1252 with `;`
between cells and decimal commas, and opens a UTF-8 file correctly only with a BOM. The UI
reads all of it and writes its files that way. The REST API is untouched: JSON numbers are
numbers there.
"""

import re
from collections.abc import Mapping

import pandas as pd

from src.fields import FIELDS_BY_NAME, Kind
from src.ui.messages import number_text

_NUMERIC = frozenset({Kind.INTEGER, Kind.NUMBER, Kind.PERCENT})
#: Spaces French writes between thousands: plain, no-break and narrow no-break.
_SPACES = re.compile(r"[ \u00a0\u202f]")
_FRENCH_NUMBER = re.compile(r"[+-]?\d+(,\d+)?")
_POINT_NUMBER = re.compile(r"[+-]?\d+\.\d+")


def french_number(text: str) -> float | str:
    """`« 1 234,5 »` -> 1234.5, `« 11,5 % »` -> 11.5, `"12.5"` -> 12.5 (a script's point is
    read too); anything else is returned as it was, for the validation to refuse it in French
    (`« 9,50,5 » n'est pas un nombre`)."""
    compact = _SPACES.sub("", text.strip().removesuffix("%"))
    if _FRENCH_NUMBER.fullmatch(compact):
        return float(compact.replace(",", "."))
    if _POINT_NUMBER.fullmatch(compact):
        return float(compact)
    return text


def french_values(values: Mapping[str, object]) -> dict[str, object]:
    """A form's or a CSV row's values with the numbers typed the French way read as numbers;
    the rest as it was."""
    return {
        name: french_number(value)
        if isinstance(value, str)
        and name in FIELDS_BY_NAME
        and FIELDS_BY_NAME[name].kind in _NUMERIC
        else value
        for name, value in values.items()
    }


def number_for_input(value: object) -> object:
    """A number as the form's text boxes show it: « 5 993 », « 950,5 »."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return number_text(value)


def decode_csv(content: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252, French Excel's default; raises
    UnicodeDecodeError when it is neither."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def excel_csv(frame: pd.DataFrame) -> bytes:
    """The table as French Excel opens it by a double click: UTF-8 with a BOM, `;` between
    cells, decimal commas."""
    return frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
