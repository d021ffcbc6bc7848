"""Each documented method with its documented default.

Every runner takes the JobContext and returns the method's output; methods that produce or change
credentials do so through `ctx.update_credentials`, which the result reports.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from executor.connector.response_handlers import compile_response_handlers, decide
from executor.connector.schemas import json_type, schema_problems
from executor.errors import (
    AccessTokenExpired,
    ConnectionTestFailed,
    ExecutorError,
    InvalidOutput,
    MethodNotImplemented,
)
from executor.formulas import Formula
from executor.formulas.nodes import truthy
from executor.jobs.context import JobContext
from js_runtime.session import ContextObject, Service

MethodRunner = Callable[[JobContext], Awaitable[Any]]

# Time kept back from the apiClient's 429 retries so the job can still report the failure itself.
_RETRY_MARGIN_SECONDS = 1.0


def require_object(value: Any, method: str) -> dict[str, Any]:
    """Methods that return credentials or configuration must return an object."""
    if not isinstance(value, dict):
        raise InvalidOutput(f"{method} must return an object, got {json_type(value)}")
    return value


def check_credentials(ctx: JobContext, credentials: dict[str, Any]) -> None:
    """Credentials must satisfy the auth's customCredentialsSchema (INVALID_OUTPUT naming fields)."""
    problems = schema_problems(ctx.auth.custom_credentials_schema, credentials, "credentials")
    if problems:
        raise InvalidOutput("credentials do not match customCredentialsSchema: " + "; ".join(problems))


async def get_credentials_from_connection_parameters(ctx: JobContext) -> Any:
    """Default: the connection parameters are the credentials."""
    impl = ctx.auth.method("getCredentialsFromConnectionParameters")
    if impl is None:
        output: dict[str, Any] = dict(ctx.input.connection_parameters)
    else:
        output = require_object(await ctx.call(impl, ctx.context()), impl.name)
    credentials = ctx.update_credentials(output)
    check_credentials(ctx, credentials)
    return output


async def make_api_client(ctx: JobContext) -> dict[str, Any]:
    """The evaluated API client configuration (an empty one when not implemented)."""
    impl = ctx.auth.method("makeApiClient")
    if impl is None:
        return {}
    return require_object(await ctx.call(impl, ctx.context()), impl.name)


async def refresh_credentials(ctx: JobContext) -> Any:
    """The connector's refresh, or the auth type's standard one; the result is merged in."""
    impl = ctx.auth.method("refreshCredentials")
    if impl is not None:
        output = require_object(await ctx.call(impl, ctx.context()), impl.name)
        ctx.update_credentials(output)
        return output
    standard = STANDARD_REFRESH.get(ctx.auth.type)
    if standard is None:
        raise MethodNotImplemented(
            f"refreshCredentials is not implemented and {ctx.auth.type} has no standard refresh"
        )
    return await standard(ctx)


def can_refresh(ctx: JobContext) -> bool:
    """Whether a 401 during `test` may be answered by refreshing once."""
    if ctx.auth.method("refreshCredentials") is not None:
        return True
    return ctx.auth.type in STANDARD_REFRESH and bool((ctx.credentials or {}).get("refresh_token"))


async def test(ctx: JobContext) -> Any:
    """Run `test`; on an expired token refresh once and retry. Falsy → CONNECTION_TEST_FAILED."""
    first_request = len(ctx.edge.requests)
    try:
        return await _test_once(ctx)
    except ExecutorError as exc:
        expired = isinstance(exc, AccessTokenExpired) or ctx.edge.saw_status(401, since=first_request)
        if not (expired and can_refresh(ctx)):
            raise
    await refresh_credentials(ctx)
    return await _test_once(ctx)


async def _test_once(ctx: JobContext) -> Any:
    impl = ctx.auth.method("test")
    if impl is None:
        return True
    client = await make_api_client(ctx)
    handlers = _response_handlers(ctx, client)
    variables = ctx.context()
    options: dict[str, Any] = {"responseHandlers": handlers is not None,
                               "retryBudgetMs": max(0, int((ctx.remaining() - _RETRY_MARGIN_SECONDS) * 1000))}
    services: dict[str, Service] = {}
    if handlers is not None:
        services["responseHandlers"] = lambda response: decide(handlers, variables, response)
    signer = API_CLIENT_SIGNERS.get(ctx.auth.type)
    if signer is not None:
        services["signRequest"] = await signer(ctx)
        options["signRequests"] = True
    api_client = ContextObject("apiClient", ("apiClient", "externalApiClient"),
                               config={k: v for k, v in client.items() if k != "responseHandlers"}, options=options)
    value = await ctx.call(impl, ctx.context(), services, objects=(api_client,))
    if not truthy(value):  # JavaScript's truthiness: [] and {} pass, as they would in the platform
        raise ConnectionTestFailed(f"the connection test returned {json.dumps(value)}"[:200])
    return value


def _response_handlers(ctx: JobContext, client: dict[str, Any]) -> Formula | None:
    """Compiled at load for a mapping makeApiClient; compiled from the output of a JS one."""
    impl = ctx.auth.method("makeApiClient")
    if impl is not None and impl.response_handlers is not None:
        return impl.response_handlers
    raw = client.get("responseHandlers")
    return compile_response_handlers(raw, "makeApiClient output") if raw else None


async def disconnect(ctx: JobContext) -> Any:
    """Run `disconnect` if implemented; its errors are logged, never fatal."""
    impl = ctx.auth.method("disconnect")
    if impl is None:
        return None
    try:
        return await ctx.call(impl, ctx.context())
    except ExecutorError as exc:
        ctx.trace.logs.append({"level": "warn", "message": f"disconnect failed ({exc.code}): "
                               + ctx.all_secrets().redact(exc.message)})
        logging.getLogger(__name__).info("disconnect failed: %s", exc.code)
        return None


async def call_implemented(ctx: JobContext, name: str, **extra: Any) -> Any:
    """A method with no default: run the connector's implementation or fail clearly."""
    impl = ctx.auth.method(name)
    if impl is None:
        raise MethodNotImplemented(f"the connector does not implement {name}")
    return await ctx.call(impl, ctx.context(**extra))




# Filled by executor.oauth: auth type -> its standard refresh.
STANDARD_REFRESH: dict[str, MethodRunner] = {}
# Filled by executor.oauth: auth type -> a factory of the service that signs each apiClient request.
API_CLIENT_SIGNERS: dict[str, Callable[[JobContext], Awaitable[Service]]] = {}
