"""Property-based API tests: schemathesis generates requests from /openapi.json against a real
`connector-executor serve` and checks for 5xx answers and answers the document does not describe."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from executor.server.openapi import openapi_document

EXECUTABLE = Path(sys.executable).with_name("connector-executor")
SPEC = """key: demo
name: Demo
auth:
  type: client-credentials
  getCredentialsFromConnectionParameters:
    implementationType: javascript
"""
JS = "exports.getCredentialsFromConnectionParameters = async ({ connectionParameters }) => connectionParameters"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("connectors")
    (root / "demo" / "auth").mkdir(parents=True)
    (root / "demo" / "spec.yml").write_text(SPEC)
    (root / "demo" / "auth" / "get-credentials-from-connection-parameters.js").write_text(JS)
    env = {**os.environ, "CONNECTOR_EXECUTOR_MAX_TIMEOUT_MS": "2000"}
    env.pop("CONNECTOR_EXECUTOR_TOKEN", None)
    process = subprocess.Popen([str(EXECUTABLE), "serve", "--port", "0", "--workers", "1", "--connectors", str(root)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    url = None
    for line in process.stderr:
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            url = match.group(1)
            break
    assert url is not None, "serve did not start"
    # Keep draining stderr (the per-job log lines) so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()  # type: ignore[union-attr]
    yield url
    process.terminate()
    assert process.wait(timeout=30) == 0
    process.stderr.close()


# The document the package publishes; test_served_document_is_the_published_one ties it to /openapi.json.
schema = schemathesis.openapi.from_dict(openapi_document())


def test_served_document_is_the_published_one(server_url: str) -> None:
    with urllib.request.urlopen(f"{server_url}/openapi.json", timeout=10) as response:
        assert json.load(response) == openapi_document()


@schema.parametrize()
@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_conforms_to_its_openapi_document(case, server_url: str) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(base_url=server_url)
