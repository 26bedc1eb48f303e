"""Configuration problems (`salient_host.problems.Problem`): each names the file, the key path and the fix, so nobody
has to guess; `ConfigError` carries every one found."""

from __future__ import annotations

import difflib
import os
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from salient_host.errors import SalientHostError
from salient_host.problems import Problem

# Tags of the model's tagged union (see schema.py); pydantic puts them in error locations, people never write them.
UNION_TAGS = {"model-name", "model-endpoint"}
README = "host/README.md (Configuration)"


class ConfigError(SalientHostError):
    """The configuration cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when it is inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except ValueError:
        return str(path)


def key_path(loc: tuple[Any, ...]) -> str:
    """`('agents', 'sales', 'servers', 'catalog', 'tools', 0)` -> `agents.sales.servers.catalog.tools[0]`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional; of a union of models and scalars, keep the one model (the mapping form)."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        members = [_unwrap(a) for a in get_args(tp) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if len(models) == 1:
            return models[0]
        return members[0] if len(members) == 1 else tp
    return tp


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping found at `loc`, if any."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unknown_key_fix(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    name = str(loc[-1])
    if name == "api_key":
        return "keep keys out of the file: name the environment variable that holds it with `api_key_env: NAME`"
    model = _model_at(root, loc[:-1])
    if model is None:
        return f"remove `{name}`"
    allowed = sorted(model.model_fields)
    close = difflib.get_close_matches(name, allowed, n=1)
    action = f"rename it to `{close[0]}`" if close else "remove it"
    return f"{action} (keys allowed here: {', '.join(allowed)})"


def reword(error: ValidationError, root: type[BaseModel], file: str) -> list[Problem]:
    """Turn pydantic's errors into problems that speak the configuration's language."""
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if part not in UNION_TAGS)
        kind, value = err["type"], err.get("input")
        if kind == "extra_forbidden":
            message, fix = f"unknown key `{loc[-1]}`", _unknown_key_fix(root, loc)
        elif kind == "missing":
            message, fix = "required key is missing", f"add `{loc[-1]}:` here (see {README})"
        elif kind == "literal_error":
            message = f"{value!r} is not allowed"
            fix = f"write one of {err.get('ctx', {}).get('expected', 'the documented values')}"
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            message = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {type(value).__name__} {value!r}"
            fix = f"change the value's type (see {README})"
        else:
            message, fix = err["msg"], f"change the value (see {README})"
        problems.append(Problem(file, key_path(loc), message, fix))
    return problems
