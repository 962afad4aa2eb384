"""The domain imports only the standard library, eventsourcing.domain, itself and pure
parsing libraries: tree-sitter with its Bash grammar and sqlglot (guardrails parse commands and
SQL with real parsers), phonenumbers and python-stdnum (privacy confirms phone numbers, IBANs and national ids).

(import-linter cannot forbid one submodule of an external package, so this test does.)
"""

from __future__ import annotations

import ast
import sys

from tests.conftest import ROOT


def test_domain_imports_nothing_but_stdlib_eventsourcing_domain_and_domain():
    allowed_roots = set(sys.stdlib_module_names) | {
        "domain", "__future__", "tree_sitter", "tree_sitter_bash", "sqlglot", "phonenumbers",
        "stdnum",
    }  # fmt: skip
    for path in (ROOT / "domain").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                ok = name.split(".")[0] in allowed_roots or name == "eventsourcing.domain"
                assert ok, f"{path.relative_to(ROOT)} imports {name}"
