"""Connectors on disk or inline: spec.yml and method files parsed once into typed, frozen objects.

May import: executor.errors, executor.limits, executor.formulas, js_runtime (module loading).
"""

from executor.connector.loader import load_connector_dir, load_connector_files
from executor.connector.spec import (
    METHOD_NAMES,
    AuthSpec,
    Connector,
    MethodImpl,
)

__all__ = [
    "METHOD_NAMES",
    "AuthSpec",
    "Connector",
    "MethodImpl",
    "load_connector_dir",
    "load_connector_files",
]
