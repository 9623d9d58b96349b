"""The HTTP form of every operation, generated from its declaration.

Each routed method of :class:`atocore.api.Operations` becomes one FastAPI
route (plus its compatibility paths): path parameters from the path, the other
parameters as a JSON body (validated by a generated pydantic model that
forbids unknown fields) or as query parameters for GET. The route runs the
operation on the request's pooled connection and returns its result, so
``--json``, HTTP and MCP share one shape. Routes marked ``raw`` are written by
hand in their own module.
"""

from __future__ import annotations

import inspect
from dataclasses import fields
from typing import Annotated, Any, get_args, get_origin

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, create_model
from pydantic.fields import FieldInfo

from atocore.api import Operations
from atocore.api.routing import Route, public_operations, routes_of, type_hints
from atocore.server.app import changed, get_conn

router = APIRouter()


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _query_param(annotation: Any) -> Any:
    """A query parameter with the annotation's constraints (``Field(ge=1)``)."""
    constraints: dict[str, Any] = {}
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        for item in extra:
            if isinstance(item, FieldInfo):
                for meta in item.metadata:
                    constraints.update({f.name: getattr(meta, f.name) for f in fields(meta)})
        annotation = base
    return Annotated[annotation, Query(**constraints)]


def _endpoint(name: str, fn: Any, spec: Route) -> Any:
    hints = type_hints(fn)
    params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    in_path = set(spec.path_params)
    new: list[inspect.Parameter] = []
    keyword = inspect.Parameter.KEYWORD_ONLY
    for p in params:
        if p.name in in_path:
            new.append(inspect.Parameter(p.name, keyword, annotation=hints[p.name]))
    rest = [p for p in params if p.name not in in_path]
    body_model: type[BaseModel] | None = None
    if spec.reads:
        for p in rest:
            new.append(
                inspect.Parameter(
                    p.name, keyword, annotation=_query_param(hints[p.name]), default=p.default
                )
            )
    elif rest:
        fields: dict[str, Any] = {
            p.name: (hints[p.name], ... if p.default is inspect.Parameter.empty else p.default)
            for p in rest
        }
        body_model = create_model(
            f"{_camel(name)}Body", __config__=ConfigDict(extra="forbid"), **fields
        )
        optional = all(p.default is not inspect.Parameter.empty for p in rest)
        new.append(
            inspect.Parameter(
                "body",
                keyword,
                annotation=body_model | None if optional else body_model,
                default=None if optional else inspect.Parameter.empty,
            )
        )
    new.append(inspect.Parameter("conn", keyword, annotation=Any, default=Depends(get_conn)))

    def endpoint(**kwargs: Any) -> Any:
        conn = kwargs.pop("conn")
        body = kwargs.pop("body", None)
        if body is not None:
            kwargs.update({key: getattr(body, key) for key in type(body).model_fields})
        result = getattr(Operations(conn), name)(**kwargs)
        if not spec.reads:
            project = getattr(result, "project", None) or kwargs.get("project")
            changed({"project": project} if isinstance(project, str) else None)
        return result

    endpoint.__signature__ = inspect.Signature(new)  # type: ignore[attr-defined]
    endpoint.__name__ = name
    endpoint.__doc__ = fn.__doc__
    return endpoint


def _tag(fn: Any) -> str:
    return fn.__module__.rsplit(".", 1)[-1]


for _name, _fn in public_operations(Operations):
    _routes = routes_of(_fn)
    for _index, _spec in enumerate(_routes):
        if _spec.raw:
            continue
        router.add_api_route(
            _spec.path,
            _endpoint(_name, _fn, _spec),
            methods=[_spec.method],
            status_code=_spec.status,
            response_model=type_hints(_fn).get("return"),
            name=_name if _index == 0 else f"{_name}_compat_{_index}",
            tags=[_tag(_fn)],
            include_in_schema=_index == 0,
        )
