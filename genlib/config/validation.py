"""What every settings dataclass shares: declared ranges, field-by-field checks, and the JSON round trip.

A bad value fails at once with an error that names the key and the allowed values. Settings travel
between pipeline stages as JSON files (`to_dict`/`from_dict`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin


class SettingsError(ValueError):
    """A setting has an unknown key, a wrong type or a value outside its allowed range."""


@dataclass(frozen=True)
class Bounds:
    """The allowed range of a numeric setting; the dataclass checks it and the config schema is made from it."""

    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: float | None = None

    def admits(self, value: float) -> bool:
        return not (
            (self.minimum is not None and value < self.minimum)
            or (self.exclusive_minimum is not None and value <= self.exclusive_minimum)
            or (self.maximum is not None and value > self.maximum)
            or (self.exclusive_maximum is not None and value >= self.exclusive_maximum)
        )

    def describe(self) -> str:
        """The range in words: "lie in [0, 1)", ">= 1", "> 0"."""
        low = (
            f"[{self.minimum:g}"
            if self.minimum is not None
            else f"({self.exclusive_minimum:g}"
            if self.exclusive_minimum is not None
            else None
        )
        high = (
            f"{self.maximum:g}]"
            if self.maximum is not None
            else f"{self.exclusive_maximum:g})"
            if self.exclusive_maximum is not None
            else None
        )
        if low and high:
            return f"lie in {low}, {high}"
        if low:
            return f"be {'>=' if low[0] == '[' else '>'} {low[1:]}"
        return f"be {'<=' if high[-1] == ']' else '<'} {high[:-1]}"

    def schema(self) -> dict[str, float]:
        """The JSON-schema keywords of the range."""
        words = {
            "minimum": self.minimum,
            "exclusiveMinimum": self.exclusive_minimum,
            "maximum": self.maximum,
            "exclusiveMaximum": self.exclusive_maximum,
        }
        return {key: value for key, value in words.items() if value is not None}


def bounded(default: Any, **bounds: float) -> Any:
    """A settings field with a default and an allowed range (see Bounds); None stays allowed where the type allows it."""
    return dataclasses.field(default=default, metadata={"bounds": Bounds(**bounds)})


def check_bounds(settings: Any) -> None:
    """Raise SettingsError naming the first field of `settings` outside its declared range."""
    for field in dataclasses.fields(settings):
        bounds = field.metadata.get("bounds")
        value = getattr(settings, field.name)
        if bounds is None or value is None:
            continue
        for item in value if isinstance(value, tuple) else (value,):  # a list setting: each of its items
            if not bounds.admits(item):
                raise SettingsError(f"{field.name} must {bounds.describe()}, got {value!r}")


def from_dict(cls: type, values: dict[str, Any], *, where: str = "settings") -> Any:
    """Build the dataclass `cls` from `values`, naming the key and allowed values on any error."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise SettingsError(f"{where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(fields)}")
    checked = {name: _check_type(value, hints[name], f"{where}.{name}") for name, value in values.items()}
    missing = [n for n, f in fields.items() if n not in checked and f.default is dataclasses.MISSING]
    if missing:
        raise SettingsError(f"{where}: missing required key {missing[0]!r}")
    try:
        return cls(**checked)
    except SettingsError as error:
        raise SettingsError(f"{where}: {error}") from None


def to_dict(settings: Any) -> dict[str, Any]:
    """Plain-JSON form of a settings dataclass."""
    return dataclasses.asdict(settings)


def _check_type(value: Any, hint: Any, where: str) -> Any:
    origin = get_origin(hint)
    if origin is Literal:
        allowed = get_args(hint)
        if value not in allowed:
            raise SettingsError(f"{where}: {value!r} is not allowed; allowed values: {', '.join(map(str, allowed))}")
        return value
    if origin in (typing.Union, types.UnionType):
        return _check_union(value, get_args(hint), where)
    if origin is tuple:  # tuple[int, ...]: a list in the config, a tuple in the settings
        if not isinstance(value, (list, tuple)):
            raise SettingsError(f"{where}: expected a list, got {value!r}")
        return tuple(_check_type(item, get_args(hint)[0], f"{where}[{i}]") for i, item in enumerate(value))
    return _check_scalar(value, hint, where)


def _check_union(value: Any, options: tuple[Any, ...], where: str) -> Any:
    """`value` as the first of `options` it fits (None fits an optional setting)."""
    if value is None and type(None) in options:
        return None
    errors = []
    for option in options:
        if option is type(None):
            continue
        try:
            return _check_type(value, option, where)
        except SettingsError as error:
            errors.append(str(error))
    raise SettingsError(errors[0] if errors else f"{where}: got {value!r}")


def _check_scalar(value: Any, hint: Any, where: str) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise SettingsError(f"{where}: expected a string, got {value!r}")
        return value
    raise TypeError(f"unsupported settings type {hint!r} at {where}")
