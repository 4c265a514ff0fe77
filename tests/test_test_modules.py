"""No file of the test suite imports a test module (issue 14): shared fixtures live in a
conftest.py, shared plain helpers in tests/helpers/. Importing a test module runs its module-level
code and fixtures a second time under another module's name, and ties the two files together.

Every `import` and `from … import` counts, at module level or inside a function, absolute
(`tests.test_api`, `from tests import test_web`) or relative (`from .test_api import Api`). A test
module is a module under `tests` whose file name starts with `test_`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
while (TESTS.parent / "__init__.py").exists():  # the top of the `tests` package
    TESTS = TESTS.parent


def module_name(path: Path, root: Path = TESTS) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_test_module(name: str, package: str) -> bool:
    return name.startswith(package + ".") and name.rpartition(".")[2].startswith("test_")


def imported_test_modules(source: str, importer: str, is_package: bool = False,
                          package: str = TESTS.name) -> list[tuple[int, str]]:
    """(line, module) for every test module that `source` (the module `importer`) imports."""
    here = importer if is_package else importer.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[:len(here.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            if not is_test_module(base, package):  # `from tests import test_web`: tests.test_web
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return sorted({(line, name) for line, name in found if is_test_module(name, package)})



@pytest.mark.parametrize("source, importer, expected", [
    ("from tests.test_api import Api, users", "tests.test_door", [(1, "tests.test_api")]),
    ("from tests import test_web", "tests.test_stations", [(1, "tests.test_web")]),
    ("import tests.web.test_pages as pages", "tests.test_x", [(1, "tests.web.test_pages")]),
    ("def f():\n    from tests.test_invariants import refused", "tests.test_x",
     [(2, "tests.test_invariants")]),
    ("from .test_api import Api", "tests.api.test_door", [(1, "tests.api.test_api")]),
    ("from ..test_web import site", "tests.web.test_files", [(1, "tests.test_web")]),
    ("from . import test_labels", "tests.test_x", [(1, "tests.test_labels")]),
    ("from tests.conftest import Cli\nfrom tests.helpers.api import Api\n"
     "from tests.race_worker import clerk\nimport test_utils", "tests.test_x", []),
])
def test_the_check_sees_every_form_of_import(source: str, importer: str,
                                             expected: list[tuple[int, str]]) -> None:
    assert imported_test_modules(source, importer) == expected


def test_no_file_of_the_suite_imports_a_test_module() -> None:
    files = sorted(TESTS.rglob("*.py"))
    assert len([f for f in files if f.name.startswith("test_")]) >= 30, "the suite was not found"
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {name}"
        for path in files
        for line, name in imported_test_modules(path.read_text(encoding="utf-8"), module_name(path),
                                                is_package=path.name == "__init__.py")
    ]
    assert not offenders, ("shared helpers belong in tests/helpers/, shared fixtures in a "
                           "conftest.py:\n" + "\n".join(offenders))
