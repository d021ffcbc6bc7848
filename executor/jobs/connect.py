"""The two flows of docs/contract.md §3: `authorize` (start an OAuth dance) and `connect` (create a
connection's credentials the way the platform does), per auth type (`ctx.auth_type`).

May import: executor.connector, executor.errors, executor.jobs.methods, executor.jobs.context.
"""

from __future__ import annotations

from typing import Any

from executor.connector.schemas import schema_problems
from executor.errors import ConnectionTestFailed, ExecutorError, InvalidInput, MethodNotImplemented
from executor.jobs import methods
from executor.jobs.context import JobContext


async def authorize(ctx: JobContext) -> Any:
    """Start the auth type's redirect flow: the URI to send the user to, and what to keep."""
    handler = ctx.auth_type.authorize
    if handler is None:
        raise MethodNotImplemented(f"authorize is not available for {ctx.auth.type} connectors")
    return await handler(ctx)


async def connect(ctx: JobContext) -> Any:
    """Create credentials and test them; the output is the new credentials."""
    handler = ctx.auth_type.connect or connect_with_parameters
    return await handler(ctx)


async def connect_with_parameters(ctx: JobContext) -> Any:
    """client-credentials (and any type without a redirect): validate, get credentials, test."""
    problems = schema_problems(ctx.auth.ui_schema, dict(ctx.input.connection_parameters), "connectionParameters")
    if problems:
        raise InvalidInput("; ".join(problems))
    await methods.get_credentials_from_connection_parameters(ctx)
    await run_connection_test(ctx)
    return ctx.credentials


async def run_connection_test(ctx: JobContext) -> None:
    """`test` as the last step of connect: any failure is CONNECTION_TEST_FAILED."""
    try:
        await methods.test(ctx)
    except ConnectionTestFailed:
        raise
    except ExecutorError as exc:
        if exc.fatal:
            raise
        raise ConnectionTestFailed(f"the connection test failed: {exc.code}: {exc.message}") from exc
