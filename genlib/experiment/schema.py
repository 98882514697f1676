"""The config schema: the YAML file's structure, with the settings sections made from the dataclasses.

workflow/schemas/config.schema.yaml describes a config's top level (experiment, datasets, models,
seeds, sampler_sweep, ...). The keys a run or the evaluation may set, their types, allowed values
and ranges are not repeated there: they are made here from the settings dataclasses
(genlib.config.settings), so the schema and the settings cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml

from genlib.config.settings import EvaluationSettings
from genlib.families.discovery import FAMILY_SETTINGS

IDENTITY_FIELDS = ("dataset", "model", "seed")  # a run's identity comes from the matrix, not from settings
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


def field_schema(hint: Any, field: dataclasses.Field) -> dict[str, Any]:
    """The JSON schema of one settings field: its type or allowed values, and its range."""
    options = get_args(hint) if get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    nullable = type(None) in options
    options = tuple(o for o in options if o is not type(None))
    bounds = field.metadata.get("bounds")
    if len(options) == 1 and get_origin(options[0]) is tuple:  # tuple[int, ...]: a list, its items bounded
        items = {"type": JSON_TYPES[get_args(options[0])[0]], **(bounds.schema() if bounds is not None else {})}
        return {"type": ["array", "null"] if nullable else "array", "items": items}
    if len(options) == 1 and get_origin(options[0]) is Literal:
        schema: dict[str, Any] = {"enum": [*get_args(options[0]), *([None] if nullable else [])]}
    else:
        names = [JSON_TYPES[o] for o in options] + (["null"] if nullable else [])
        schema = {"type": names[0] if len(names) == 1 else names}
    return {**schema, **(bounds.schema() if bounds is not None else {})}


def settings_properties(cls: type, *, exclude: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Schemas of the fields of a settings dataclass, by name."""
    hints = typing.get_type_hints(cls)
    return {f.name: field_schema(hints[f.name], f) for f in dataclasses.fields(cls) if f.name not in exclude}


def run_fields_schema() -> dict[str, Any]:
    """Keys a config may set for a run (`training`, `model_overrides.<model>`, `custom_models.<model>`): every
    field of every family's settings; a key two families share must mean the same in both."""
    properties: dict[str, dict[str, Any]] = {}
    for family, cls in FAMILY_SETTINGS.items():
        for name, schema in settings_properties(cls, exclude=(*IDENTITY_FIELDS, "family")).items():
            if name in properties and properties[name] != schema:
                raise TypeError(f"settings key {name!r} has different types or ranges in two families ({family})")
            properties[name] = schema
    properties["family"] = {"enum": list(FAMILY_SETTINGS)}
    return {"type": "object", "additionalProperties": False, "properties": properties}


def config_schema(schema_path: str | Path) -> dict[str, Any]:
    """The full config schema: the YAML file with its settings sections made from the dataclasses."""
    with open(schema_path) as handle:
        schema = yaml.safe_load(handle)
    schema.setdefault("$defs", {})["runFields"] = run_fields_schema()
    schema["properties"]["evaluation"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": settings_properties(EvaluationSettings),
    }
    return schema
