"""Mapping formulas: `.map.yml` values compiled once at connector load, evaluated per job.

A mapping file is parsed YAML. `compile_mapping(value, source=...)` turns it into a `Formula`
(a tree of small nodes, see `nodes`), reporting problems as `FormulaError` (a `ConnectorInvalid`)
that names the file and the path inside it. `Formula.evaluate(variables)` then produces plain JSON:
object members whose value is `UNDEFINED` (for example a `$var` pointing at nothing) are dropped,
UNDEFINED list items become None, and an UNDEFINED result becomes None.

Supported formulas: `$var`, `$template` (with the `${...}` expression language of `expressions`),
`$tpl`, `$concat`, `$firstNotEmpty`, `$case`, `$map`, `$eval`, `$and`, `$or`, `$plain`,
`$mergeObjects` and `$iterate`. Template expressions that evaluate to UNDEFINED or None render as
the empty string.

May import: executor.errors, executor.limits.
"""

from executor.formulas.compiler import Formula, FormulaError, compile_mapping
from executor.formulas.nodes import UNDEFINED

__all__ = ["UNDEFINED", "Formula", "FormulaError", "compile_mapping"]
