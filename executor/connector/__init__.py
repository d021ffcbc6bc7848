"""Connectors on disk or inline: spec.yml and method files parsed once into typed, frozen objects."""

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
