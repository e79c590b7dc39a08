"""A config error in one line that names the file, the key and what was expected:
`config/claimdesk.toml: feeds[0].interval: expected a whole number from 10 to 86400, got 5`.

pydantic's own messages name its types and its location tuples; an operator editing a TOML file needs the key as
written and the rule in words, so the CLI can exit 2 with that line instead of a traceback. What was expected is
read off the same declarations that enforce it (`Field(ge=10, le=86_400)` reads "a whole number from 10 to
86400"; `Says(...)` where type and range would not say it; `expected(...)` for a rule of our own), so the message
cannot drift from the rule. Apart from bot.config because it is about pydantic's error structures, not about the
settings: bot.config declares, this words.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from bot.errors import ConfigError


@dataclass(frozen=True)
class Says:
    """What a key takes, in words, where its type and range alone would not say it (pydantic ignores this)."""

    text: str


def expected(text: str, got: Any = ...) -> PydanticCustomError:
    """A failed rule of our own; `config_error` words it like the rest. `got`: what to show, if not the value."""
    return PydanticCustomError("config", "expected {expected}", {"expected": text, "got": got})


def config_error(
    file: Path, raw: Mapping[str, Any], exc: ValidationError, root: type[BaseModel]
) -> ConfigError:
    """The first error, worded from `root`'s declarations (the whole file's model): `feeds[0].interval: expected a whole number from 10 to
    86400, got 5`. A bad item of a list names the whole list, as the list is the key the operator wrote."""
    error = exc.errors()[0]
    loc = error["loc"]
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if error["type"] == "extra_forbidden":
        return ConfigError(f"{file}: {dotted}: unknown key (check the spelling)")
    if error["type"] == "config_line":  # a whole table is wrong, in the words of the rule that says so
        return ConfigError(f"{file}: {dotted}: {error['ctx']['line']}")
    key, declared, value, rest = _key_at(loc, raw, root)
    if declared is None:  # not below a key: no declaration of ours gives rise to that
        return ConfigError(f"{file}: {error['msg']}")
    ctx = error.get("ctx") or {}
    if error["type"] == "config" and not rest:
        expected, got = ctx["expected"], ctx.get("got", ...)
        got = value if got is ... else got
    else:
        expected, got = _describe(declared.annotation, declared.metadata, key, bool(rest)), value
    if error["type"] == "missing":
        return ConfigError(f"{file}: {key}: expected {expected} (required)")
    return ConfigError(f"{file}: {key}: expected {expected}, got {got!r}")


def _key_at(
    loc: Sequence[int | str], raw: Any, root: type[BaseModel]
) -> tuple[str, FieldInfo | None, Any, tuple[int | str, ...]]:
    """Follows an error's location down the declarations: the dotted key, its declaration, the value the file has
    there, and what of the location lies below the key (an item of a list of strings)."""
    table = root
    key, declared, value, i = "", None, raw, 0
    while i < len(loc) and isinstance(loc[i], str) and loc[i] in table.model_fields:
        name = str(loc[i])
        declared = table.model_fields[name]
        key, value, i = f"{key}.{name}" if key else name, _at(value, name), i + 1
        inner, _ = _unwrap(declared.annotation, [])
        if get_origin(inner) is tuple:  # an array: go into an item only to reach a key of a table
            inner, _ = _unwrap(get_args(inner)[0], [])
            if not (_is_table(inner) and i + 1 < len(loc) and isinstance(loc[i], int)):
                break
            key, value, i = f"{key}[{loc[i]}]", _at(value, loc[i]), i + 1
        if not _is_table(inner):
            break
        table = inner
    return key, declared, value, tuple(loc[i:])


def _at(value: Any, part: int | str) -> Any:
    try:
        return value[part]
    except (KeyError, IndexError, TypeError):
        return None


def _is_table(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """`Annotated[int, Field(ge=1)] | None` -> (int, [Ge(1)]): the type a key takes and every rule on it."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation, *more = get_args(annotation)
            metadata = metadata + [m for x in more for m in (x.metadata if isinstance(x, FieldInfo) else [x])]
        elif get_origin(annotation) in (Union, types.UnionType):
            arms = [a for a in get_args(annotation) if a is not type(None)]
            if len(arms) != 1:
                return annotation, metadata
            annotation = arms[0]
        else:
            return annotation, metadata


def _describe(annotation: Any, metadata: list[Any], key: str, item: bool) -> str:
    """What a key takes, in words, read off its declaration."""
    kind, rules = _unwrap(annotation, list(metadata))
    says = [r.text for r in rules if isinstance(r, Says)]
    low = next((r.ge for r in rules if isinstance(r, Ge)), None)
    high = next((r.le for r in rules if isinstance(r, Le)), None)
    if says:
        return says[0]
    if kind is bool:
        return "true or false"
    if kind is int:
        return f"a whole number from {low} to {high}" if low is not None else "a whole number"
    if kind is float:
        return f"a number from {low:g} to {high:g}" if low is not None else "a number"
    if get_origin(kind) is Literal:
        return f"one of {', '.join(get_args(kind))}"
    if get_origin(kind) is tuple:
        member, _ = _unwrap(get_args(kind)[0], [])
        if _is_table(member):
            return f"an array of tables ([[{key}]])" if item else "an array of tables"
        if get_origin(member) is Literal:
            return f"a list drawn from {', '.join(get_args(member))}"
        return "a list of strings"
    if _is_table(kind):
        return "a table"
    return "a string"
