"""Mapping formulas: `.map.yml` values compiled once at connector load, evaluated per job.

A mapping file is parsed YAML. `compile_mapping(value, source=...)` turns it into a `Formula`
(a tree of small nodes, see `nodes`), reporting problems as `FormulaError` (a `ConnectorInvalid`)
that names the file and the path inside it. `Formula.evaluate(variables)` then produces plain JSON.

Evaluation follows the vendor's own engine (`buildData` of @membranehq/sdk), checked case by case
against it by tests/unit/test_formula_corpus.py; the deliberate differences are listed there and
in docs/formulas.md. The formulas are listed in `compiler`.

May import: executor.errors, executor.limits.
"""

from executor.formulas.compiler import Formula, FormulaError, compile_mapping
from executor.formulas.jsvalues import UNDEFINED

__all__ = ["UNDEFINED", "Formula", "FormulaError", "compile_mapping"]
