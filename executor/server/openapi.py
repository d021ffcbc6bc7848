"""The OpenAPI 3.1 document; its JobRequest schema is the one request bodies are validated with.

The job's shape is not written here: the input's keys come from executor.jobs.input, the method enum
from the dispatch and auth-type tables, the engines from js_runtime.engine.
May import: executor.connector, executor.jobs, js_runtime.engine.
"""

from __future__ import annotations

import copy
from typing import Any

from executor.connector import METHOD_NAMES
from executor.jobs.auth_types import extra_method_names
from executor.jobs.dispatch import DISPATCH
from executor.jobs.input import ALIASES, OBJECT_FIELDS, STRING_FIELDS
from js_runtime.engine import ENGINE_KINDS

JOB_METHODS: tuple[str, ...] = tuple(sorted(set(METHOD_NAMES) | set(DISPATCH) | extra_method_names()))

_OBJECT_OR_NULL = {"type": ["object", "null"]}
_STRING_OR_NULL = {"type": ["string", "null"]}

# Derived from JobInput's field tables: a body that passes this schema always parses.
JOB_INPUT_SCHEMA: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "The method's context (docs/contract.md §3). Unknown keys are passed to scripts as they are.",
    "properties": {
        **{key: _OBJECT_OR_NULL for key in OBJECT_FIELDS},
        **{alias: _OBJECT_OR_NULL if key in OBJECT_FIELDS else _STRING_OR_NULL for alias, key in ALIASES.items()},
        **{key: _STRING_OR_NULL for key in STRING_FIELDS},
    },
}

INLINE_CONNECTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A connector sent with the job: file path (spec.yml, auth/test.js, ...) to its text.",
    "required": ["files"],
    "additionalProperties": False,
    "properties": {
        "files": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"minLength": 1, "maxLength": 512},
            "additionalProperties": {"type": "string"},
        },
    },
}

JOB_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["connector", "method"],
    "additionalProperties": False,
    "properties": {
        "connector": {
            "description": "The key of a connector the server loaded, or an inline connector.",
            "oneOf": [{"type": "string", "minLength": 1, "maxLength": 256}, INLINE_CONNECTOR_SCHEMA],
        },
        "method": {"type": "string", "enum": list(JOB_METHODS)},
        "input": JOB_INPUT_SCHEMA,
        "engine": {"type": ["string", "null"], "enum": [*ENGINE_KINDS, None]},
        "authOption": _STRING_OR_NULL,
        "timeoutMs": {"type": "integer", "minimum": 1, "description": "Capped by the server's maximum."},
        "connectionId": {
            "type": "string", "minLength": 1, "maxLength": 256,
            "description": "Concurrent refreshCredentials jobs of one connector with the same connectionId "
                           "run once; every caller gets that run's result.",
        },
    },
}

JOB_RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "logs", "requests"],
    "properties": {
        "status": {"type": "string", "enum": ["succeeded", "failed"]},
        "output": {"description": "The method's return value; present when succeeded."},
        "credentials": {"type": "object"},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "TIMEOUT, SCRIPT_ERROR, ENGINE_CRASHED, ..."},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        },
        "logs": {
            "type": "array",
            "items": {"type": "object", "properties": {"level": {"type": "string"}, "message": {"type": "string"}}},
        },
        "requests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "method": {"type": "string"},
                    "url": {"type": "string"},
                    "status": {"type": ["integer", "null"]},
                },
            },
        },
        "warnings": {
            "type": "array", "items": {"type": "string"},
            "description": "Mistakes the job ran despite, e.g. an input key close to a documented one.",
        },
    },
}

ERROR_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    },
}

_AUTH_OPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["key", "type", "enabled"],
    "properties": {"key": {"type": "string"}, "type": {"type": "string"}, "title": _STRING_OR_NULL,
                   "enabled": {"type": "boolean", "description": "enabled for the connectorParameters given"}},
}

CONNECTORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["connectors"],
    "properties": {
        "connectors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "name", "authType", "options"],
                "properties": {
                    "key": {"type": "string"},
                    "name": {"type": "string"},
                    "authType": {"type": "string"},
                    "title": _STRING_OR_NULL,
                    "options": {"type": "array", "items": _AUTH_OPTION_SCHEMA},
                },
            },
        },
    },
}

STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string"}},
}


def _json(schema_ref: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _error(description: str) -> dict[str, Any]:
    return _json("Error", description)


_UNAUTHORIZED = _error("CONNECTOR_EXECUTOR_TOKEN is set and the bearer token is missing or wrong.")
_SECURED: list[dict[str, list[str]]] = [{"bearerAuth": []}, {}]  # the token is required only when the server has one
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}


def _post_jobs() -> dict[str, Any]:
    return {
        "summary": "Run one method or flow of a connector",
        "operationId": "runJob",
        "security": _SECURED,
        "parameters": [{
            "name": "Idempotency-Key", "in": "header", "required": False,
            "description": "A job sent again with the same key (and the same body) within the retention "
                           "window runs once; the retry gets the stored result. The same key with a "
                           "different body is refused with 409.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        }],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobRequest"}}},
        },
        "responses": {
            "200": _json("JobResult", "The job ran; `status` tells whether the method succeeded."),
            "400": _error("INVALID_JOB: the body is not JSON or does not match JobRequest."),
            "401": _UNAUTHORIZED,
            "404": _error("CONNECTOR_NOT_FOUND: no connector has this key."),
            "413": _error("PAYLOAD_TOO_LARGE: the body is over the server's limit."),
            "409": _error("IDEMPOTENCY_KEY_REUSED: the key was used with a different body."),
            "429": _json("Error", "QUEUE_FULL: every worker is busy and the queue is full.", _RETRY_AFTER),
            "503": _error("SHUTTING_DOWN: the server is stopping."),
        },
    }


def _get(operation_id: str, summary: str, responses: dict[str, Any], secured: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "operationId": operation_id, "responses": responses}
    if secured:
        operation["security"] = _SECURED
        operation["responses"] = {**responses, "401": _UNAUTHORIZED}
    return operation


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every endpoint (a fresh copy: callers may mutate it)."""
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "connector-executor",
            "version": "1.0.0",
            "description": "Runs integration connectors' authentication methods in sandboxed JavaScript engines.",
        },
        "paths": {
            "/v1/jobs": {"post": _post_jobs()},
            "/v1/connectors": {"get": {**_get("listConnectors", "The connectors the server loaded", {
                "200": _json("ConnectorList", "Keys, names, auth types, options (enabled or not)."),
                "400": _json("Error", "connectorParameters is not a JSON object."),
            }, secured=True), "parameters": [{
                "name": "connectorParameters", "in": "query", "required": False,
                "description": "A JSON object: the connector parameters options' `enabled` formulas are evaluated with",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }]}},
            "/healthz": {"get": _get("health", "Liveness: the process serves HTTP",
                                     {"200": _json("Status", "Alive.")})},
            "/readyz": {"get": _get("ready", "Readiness: workers up, not saturated, not stopping", {
                "200": _json("Status", "Ready for jobs."),
                "503": _json("Status", "Saturated, starting or shutting down."),
            })},
            "/metrics": {"get": _get("metrics", "Prometheus metrics", {"200": {
                "description": "Prometheus text exposition format.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }})},
            "/openapi.json": {"get": _get("openapi", "This document", {"200": {
                "description": "The OpenAPI 3.1 document.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }})},
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "The value of CONNECTOR_EXECUTOR_TOKEN."}},
            "schemas": {
                "JobRequest": JOB_REQUEST_SCHEMA,
                "JobResult": JOB_RESULT_SCHEMA,
                "Error": ERROR_BODY_SCHEMA,
                "ConnectorList": CONNECTORS_SCHEMA,
                "Status": STATUS_SCHEMA,
            },
        },
    }
    return copy.deepcopy(document)
