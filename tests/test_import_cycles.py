"""No import cycle among atocore modules, function-level imports included."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from factories import write_notes

ROOT = Path(__file__).resolve().parent.parent


def _checker():
    spec = importlib.util.spec_from_file_location(
        "import_cycles", ROOT / "scripts" / "import_cycles.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_atocore_has_no_import_cycle():
    checker = _checker()
    cycles = checker.find_cycles(checker.import_graph(ROOT))
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_checker_sees_a_cycle_hidden_in_a_function(tmp_path):
    write_notes(
        tmp_path,
        {
            "atocore/__init__.py": "",
            "atocore/a.py": "from atocore.b import thing\n",
            "atocore/b.py": "def thing():\n    from atocore import a\n    return a\n",
            "atocore/c.py": "from . import a\n",
        },
    )
    checker = _checker()
    graph = checker.import_graph(tmp_path)
    assert graph["atocore.c"] == {"atocore.a"}
    assert checker.find_cycles(graph) == [["atocore.a", "atocore.b", "atocore.a"]]


def test_checker_ignores_a_package_reexporting_its_submodule(tmp_path):
    write_notes(
        tmp_path,
        {
            "atocore/__init__.py": "",
            "atocore/db/__init__.py": "from atocore.db.conn import connect\n",
            "atocore/db/conn.py": "def connect():\n    return 1\n",
            "atocore/user.py": "from atocore.db import connect\n",
        },
    )
    checker = _checker()
    assert checker.find_cycles(checker.import_graph(tmp_path)) == []


def test_script_exits_nonzero_on_a_cycle(tmp_path, capsys):
    write_notes(
        tmp_path,
        {
            "atocore/__init__.py": "",
            "atocore/x.py": "import atocore.y\n",
            "atocore/y.py": "import atocore.x\n",
        },
    )
    assert _checker().main(["import_cycles.py", str(tmp_path)]) == 1
    assert "atocore.x -> atocore.y -> atocore.x" in capsys.readouterr().out
