"""Loading the Mirror's jinja2 templates.

The templates live in the repository's top-level ``templates/mirror/`` and
ship inside the wheel as ``atocore/templates/mirror/`` (a hatch
force-include). A user can restyle pages without touching code by copying a template into
``<data>/templates/mirror/`` and editing it there: a file of the same name in
that directory takes precedence over the shipped one.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from atocore.config import get_settings

OVERVIEW = "project-overview.md.j2"
DECISIONS = "decision-log.md.j2"
SUBSYSTEM = "subsystem-detail.md.j2"
EMPTY = "empty-state.md.j2"
MACROS = "_macros.md.j2"
TEMPLATE_NAMES = (OVERVIEW, DECISIONS, SUBSYSTEM, EMPTY, MACROS)

_SPACE = re.compile(r"\s+")


def package_template_dir() -> Path:
    """The shipped templates: inside an installed wheel, else the checkout's
    top-level folder (a source tree or an editable install)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "templates" / "mirror"
    if (installed / OVERVIEW).is_file():
        return installed
    return package.parent / "templates" / "mirror"


def user_template_dir() -> Path:
    return get_settings().data_dir / "templates" / "mirror"


def inline(value: Any) -> str:
    """One line of text: newlines and runs of whitespace become one space."""
    if value is None:
        return ""
    return _SPACE.sub(" ", str(value)).strip()


def cell(value: Any) -> str:
    """Text safe inside a markdown table cell."""
    return inline(value).replace("|", "\\|")


def environment(search_path: list[Path] | None = None) -> Any:
    """A jinja2 environment over the override directory, then the shipped one.

    Undefined variables are errors (a broken template fails the render, which
    then keeps the previous pages), and whitespace control is on so templates
    can be indented for readability.
    """
    import jinja2

    paths = search_path or [user_template_dir(), package_template_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in paths]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["inline"] = inline
    env.filters["cell"] = cell
    return env


def template_source(env: Any, name: str) -> tuple[str, str]:
    """(source text, where it came from) of template ``name``."""
    source, filename, _ = env.loader.get_source(env, name)
    return source, filename or name


def template_digest(env: Any, names: tuple[str, ...] = TEMPLATE_NAMES) -> dict[str, str]:
    """sha256 of each template's source, so a restyle counts as a changed input."""
    digests = {}
    for name in sorted(names):
        source, _ = template_source(env, name)
        digests[name] = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return digests
