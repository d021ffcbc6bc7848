"""The job's one wire form: what the front-end parsed crosses the worker pipe as it is, and the worker
uses it without parsing, validating or scanning for secrets again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from executor.jobs import JobInput
from executor.jobs.request import JobRequest, input_secrets
from executor.jobs.wire import JobMessage
from executor.secrets import Secrets
from executor.server.worker import Worker
from executor.transport import LiveTransport, NetworkPolicy
from js_runtime.lanes import LanePool

# A test that fails with the connection parameter `label` in its message: `label` is no secret by
# its name or schema, so only a secret shipped on the wire can hide it.
FILES = {
    "spec.yml": "auth:\n  type: client-credentials\n  test:\n    implementationType: javascript\n",
    "auth/test.js": "export default async ({ connectionParameters: p }) => { throw new Error('no luck for ' + p.label) }",
}
RAW_INPUT = {"connectionInput": {"label": "shipped-label-77", "password": "pw-secret-1"}, "state": "s-1"}


def test_the_input_crosses_the_pipe_unchanged() -> None:
    parsed = JobInput.from_json(RAW_INPUT)
    message = JobMessage(connector={"files": FILES}, method="test", input=parsed, engine="quickjs",
                         auth_option=None, timeout_ms=1500, secrets=Secrets(("pw-secret-1",)))
    back = JobMessage.from_wire(json.loads(json.dumps(message.to_wire())))
    assert back == message
    assert back.input.connection_parameters == {"label": "shipped-label-77", "password": "pw-secret-1"}


def test_a_request_computes_its_secrets_once_unless_given(tmp_path: Path) -> None:
    from executor.connector import load_connector_files

    connector = load_connector_files(FILES, default_key="inline")
    parsed = JobInput.from_json(RAW_INPUT)
    computed = JobRequest(connector=connector, method="test", input=parsed)
    assert computed.secrets == input_secrets(parsed, connector, None)
    assert "pw-secret-1" in computed.secrets.values and "shipped-label-77" not in computed.secrets.values
    given = JobRequest(connector=connector, method="test", input=parsed, secrets=Secrets(("given-1234",)))
    assert given.secrets.values == ("given-1234",)


@pytest.mark.asyncio
async def test_the_worker_redacts_with_the_secrets_it_was_sent(engine: str) -> None:
    message = JobMessage(connector={"files": FILES}, method="test", input=JobInput.from_json(RAW_INPUT),
                         engine=engine, auth_option=None, timeout_ms=5000,  # type: ignore[arg-type]
                         secrets=Secrets(("shipped-label-77",)))
    lanes = LanePool(max_lanes=2)
    try:
        async with LiveTransport(NetworkPolicy.from_strings([]), max_response_bytes=1024) as transport:
            worker = Worker({}, "quickjs", transport, lanes)
            reply = await worker.handle({"id": 7, **message.to_wire()})
    finally:
        lanes.close()
    assert reply["id"] == 7
    error = reply["result"]["error"]
    assert error["message"] == "no luck for [REDACTED]", error
