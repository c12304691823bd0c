"""Validation errors as users read them: which field, what is wrong, what is allowed.

The one wording of a bad field, for the API's 422 bodies and the UI's reports alike.
"""

from collections.abc import Mapping
from typing import Any

from src.fields import FIELDS_BY_NAME

MAX_FIELD_CHARS = 120


def describe_error(error: Mapping[str, Any]) -> dict[str, str]:
    """One pydantic error -> `{"field", "message"[, "allowed"]}`; the request body's own
    place in the location (`body`) is left out."""
    if error["type"] == "json_invalid":
        return {"field": "body", "message": f"malformed JSON: {error['ctx']['error']}"}
    location = [str(part) for part in error["loc"] if part != "body"]
    field = ".".join(location) or "body"
    if len(field) > MAX_FIELD_CHARS:  # an unknown key is the client's text, of any length
        field = field[:MAX_FIELD_CHARS] + "…"
    described = {"field": field, "message": error["msg"]}
    spec = FIELDS_BY_NAME.get(location[-1]) if location else None
    if spec is not None:
        described["allowed"] = spec.describe_allowed()
    return described
