"""Plain JSON values from what operations return, for every door alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def to_jsonable(value: Any) -> Any:
    """pydantic models, dataclasses, paths → plain JSON values."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return to_jsonable(asdict(value))
    return value
