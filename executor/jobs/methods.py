"""Each documented method with its documented default.

Every handler takes the JobContext and returns the method's output; methods that produce or change
credentials do so through `ctx.update_credentials`, which the result reports. What differs per auth
type (standard refresh, request signer) is read from `ctx.auth_type`.
May import: executor.connector, executor.errors, executor.formulas, executor.jobs.context, js_runtime.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any
from urllib.parse import quote

from executor.connector.response_handlers import compile_response_handlers, decide
from executor.connector.schemas import json_type, schema_problems
from executor.connector.spec import MethodImpl, RestRequest
from executor.errors import (
    AccessTokenExpired,
    ConnectionTestFailed,
    ExecutorError,
    InvalidInput,
    InvalidOutput,
    MethodNotImplemented,
)
from executor.formulas import Formula
from executor.formulas.jsvalues import js_string, truthy
from executor.jobs.api_client import api_client_object
from executor.jobs.context import JobContext
from executor.limits import LIMITS
from js_runtime.modules import ModuleCode, load_module
from js_runtime.session import ContextObject, Service

# Time kept back from the apiClient's 429 retries so the job can still report the failure itself.
_RETRY_MARGIN_SECONDS = LIMITS.retry_margin


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
    client = require_object(await ctx.call(impl, ctx.context()), impl.name)
    _warn_about_empty_headers(ctx, impl.source, client.get("headers"))
    return client


def _warn_about_empty_headers(ctx: JobContext, source: str, headers: Any) -> None:
    """A header that came out empty or ending in a space ("Bearer ") lost a value that resolved to nothing."""
    if not isinstance(headers, dict):
        return
    for name, value in headers.items():
        if isinstance(value, str) and (not value.strip() or value != value.rstrip()):
            ctx.trace.logs.append({"level": "warn", "message": f"{source}: headers.{name} is empty or ends in a "
                                   "space: a value it is built from resolved to nothing"})


async def refresh_credentials(ctx: JobContext) -> Any:
    """The connector's refresh, or the auth type's standard one; the result is merged in."""
    impl = ctx.auth.method("refreshCredentials")
    if impl is not None:
        output = require_object(await ctx.call(impl, ctx.context()), impl.name)
        ctx.update_credentials(output)
        return output
    standard = ctx.auth_type.standard_refresh
    if standard is None:
        raise MethodNotImplemented(
            f"refreshCredentials is not implemented and {ctx.auth.type} has no standard refresh"
        )
    return await standard(ctx)


def can_refresh(ctx: JobContext) -> bool:
    """Whether a 401 during `test` may be answered by refreshing once."""
    if ctx.auth.method("refreshCredentials") is not None:
        return True
    return ctx.auth_type.standard_refresh is not None and bool((ctx.credentials or {}).get("refresh_token"))


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
    signer = ctx.auth_type.request_signer
    if signer is not None:
        services["signRequest"] = await signer(ctx)
        options["signRequests"] = True
    api_client = api_client_object({k: v for k, v in client.items() if k != "responseHandlers"}, options)
    if impl.kind == "rest-api-mapping":
        assert impl.rest is not None
        value = await _rest_api_mapping(ctx, impl.rest, api_client, services)
    else:
        value = await ctx.call(impl, ctx.context(), services, objects=(api_client,))
    if not truthy(value):  # JavaScript's truthiness: [] and {} pass, as they would in the platform
        raise ConnectionTestFailed(f"the connection test returned {json.dumps(value)}"[:200])
    return value


# The one JavaScript module a rest-api-mapping runs: its request through the connector's apiClient (so
# baseUri, headers, default query, auth, responseHandlers, 401/429 handling and signing all apply).
@functools.cache
def _rest_module() -> ModuleCode:
    """Transformed on first use, not at import (workers that never run one never pay for it)."""
    return load_module(
        "export default async function ({ apiClient, request }) {\n"
        "  const response = await apiClient.request(request);\n"
        "  return { data: response.data === undefined ? null : response.data,\n"
        "           headers: { ...response.headers }, statusCode: response.status };\n"
        "}\n",
        "rest-api-mapping",
    )


async def _rest_api_mapping(ctx: JobContext, rest: RestRequest, api_client: ContextObject,
                            services: dict[str, Service]) -> Any:
    """Evaluate the request mapping, send it through the apiClient, evaluate the response mapping."""
    variables = ctx.context()
    path = rest.path.evaluate(variables)
    method = rest.method.evaluate(variables)
    if not isinstance(path, str) or not isinstance(method, str):
        raise InvalidInput(f"{rest.path.source}: path and method must evaluate to strings")
    parameters = rest.path_parameters.evaluate(variables) if rest.path_parameters else None
    for name, value in (parameters or {}).items() if isinstance(parameters, dict) else ():
        path = path.replace("{" + name + "}", quote(js_string(value), safe="!'()*~-_."))
    request: dict[str, Any] = {"url": path, "method": method.lower()}
    for key, formula in (("params", rest.query), ("headers", rest.headers), ("data", rest.data)):
        if formula is not None:
            value = formula.evaluate(variables)
            if value is not None:
                request[key] = value
    impl = MethodImpl("test", "javascript", "rest-api-mapping", module=_rest_module())
    response = await ctx.call(impl, {**variables, "request": request}, services, objects=(api_client,))
    if rest.response_mapping is None:
        return True
    return rest.response_mapping.evaluate({**variables, "response": response})


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
