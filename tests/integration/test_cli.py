"""`connector-executor run` as a user runs it: a real subprocess, one JSON object on stdout,
exit status 0/1/2, for every documented method and both flows, on both engines."""

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

CONNECTORS = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"


async def run_cli(*args: str, stdin: str | None = None) -> tuple[int, dict | None, str]:
    """Run the CLI without blocking the loop that serves the test's local API."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "executor.cli", *args, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 60)
    lines = out.decode().strip().splitlines()
    assert len(lines) <= 1, out
    return proc.returncode or 0, json.loads(lines[0]) if lines else None, err.decode()


def local_connector(tmp_path: Path, base: str) -> Path:
    """An oauth2 connector implementing every documented method against the local server."""
    root = tmp_path / "local"
    (root / "auth").mkdir(parents=True)
    (root / "spec.yml").write_text("""
key: local
auth:
  type: oauth2
  getOAuthConfig: {implementationType: mapping}
  makeApiClient: {implementationType: mapping}
  test: {implementationType: javascript}
  getTokenData: {implementationType: javascript}
  getCredentialsFromTokenResponse: {implementationType: javascript}
  getCredentialsFromConnectionParameters: {implementationType: javascript}
  refreshCredentials: {implementationType: javascript}
  disconnect: {implementationType: javascript}
""")
    files = {
        "get-oauth-config.map.yml": f"clientId: {{$var: connectorParameters.clientId}}\n"
                                    f"authorizeUri: {base}/authorize\ntokenUri: {base}/token\nscopes: [a, b]\n",
        "make-api-client.map.yml": f"baseUri: {base}\nheaders:\n  Authorization: {{$template: 'Bearer ${{credentials.access_token}}'}}\n",
        "test.js": "export default async ({ apiClient }) => (await apiClient.get('/me')).data.ok",
        "get-token-data.js": f"""import axios from 'axios'
export default async ({{ queryParameters, codeVerifier }}) =>
  (await axios.post('{base}/token', new URLSearchParams({{ code: queryParameters.code, code_verifier: codeVerifier }}))).data""",
        "get-credentials-from-token-response.js":
            "exports.getCredentialsFromTokenResponse = async ({ tokenResponse }) => ({ access_token: tokenResponse.access_token })",
        "get-credentials-from-connection-parameters.js": "module.exports = ({ connectionParameters }) => ({ k: connectionParameters.k })",
        "refresh-credentials.js": f"module.exports = async () => ({{ access_token: (await (await fetch('{base}/token', {{method: 'POST'}})).json()).access_token }})",
        "disconnect.js": f"export default async () => {{ await fetch('{base}/revoke', {{ method: 'POST' }}) }}",
    }
    for name, text in files.items():
        (root / "auth" / name).write_text(text)
    return root


@pytest.fixture
def local(tmp_path, api_server):
    api_server.reply("POST", "/token", json_body={"access_token": "at-1", "token_type": "bearer"})
    api_server.reply("GET", "/me", json_body={"ok": True})
    api_server.reply("POST", "/revoke", json_body={})
    return local_connector(tmp_path, api_server.base)


CASES = [
    ("getOAuthConfig", {"connectorParameters": {"clientId": "cid"}}, lambda o, c: o["clientId"] == "cid"),
    ("makeApiClient", {"credentials": {"access_token": "x"}}, lambda o, c: o["headers"]["Authorization"] == "Bearer x"),
    ("test", {"credentials": {"access_token": "x"}}, lambda o, c: o is True),
    ("getTokenData", {"queryParameters": {"code": "c"}, "codeVerifier": "v"}, lambda o, c: o["access_token"] == "at-1"),
    ("getCredentialsFromTokenResponse", {"tokenResponse": {"access_token": "t9"}}, lambda o, c: c == {"access_token": "t9"}),
    ("getCredentialsFromConnectionParameters", {"connectionParameters": {"k": "v"}}, lambda o, c: c == {"k": "v"}),
    ("refreshCredentials", {"credentials": {"access_token": "old", "r": 1}}, lambda o, c: c == {"access_token": "at-1", "r": 1}),
    ("disconnect", {"credentials": {"access_token": "x"}}, lambda o, c: o is None),
    ("authorize", {"connectorParameters": {"clientId": "cid"}, "redirectUri": "https://app.example.test/cb"},
     lambda o, c: o["authorizeUri"].startswith("http") and "code_challenge=" in o["authorizeUri"]),
    ("connect", {"connectorParameters": {"clientId": "cid"}, "redirectUri": "https://app.example.test/cb",
                 "state": "s1", "codeVerifier": "v", "queryParameters": {"code": "c", "state": "s1"}},
     lambda o, c: c == {"access_token": "at-1"}),
]


@pytest.mark.parametrize(("method", "job_input", "check"), CASES, ids=[c[0] for c in CASES])
async def test_every_documented_method_and_flow_runs(engine, local, api_server, tmp_path, method, job_input, check):
    input_file = tmp_path / "input.json"
    input_file.write_text(json.dumps(job_input))
    status, result, stderr = await run_cli("run", str(local), method, "--input", str(input_file), "--engine", engine,
                                     "--allow-host", "127.0.0.1")
    assert status == 0, (result, stderr)
    assert result["status"] == "succeeded"
    assert check(result["output"], result.get("credentials")), result


async def test_input_from_stdin_and_exit_status_1_on_failure(engine):
    status, result, _ = await run_cli("run", str(CONNECTORS / "api-key-example"), "connect", "--input", "-",
                                "--engine", engine, stdin='{"connectionParameters": {}}')
    assert status == 1
    assert result["error"]["code"] == "INVALID_INPUT"


async def test_network_policy_blocks_loopback_without_allow_host(local, tmp_path):
    status, result, _ = await run_cli("run", str(local), "test", "--input", "-", stdin='{"credentials": {}}')
    assert status == 1
    assert result["error"]["code"] == "NETWORK_BLOCKED"
    assert result["requests"][0]["status"] is None


@pytest.mark.parametrize("args", [
    ["run", "/nonexistent/connector", "test"],
    ["run", str(CONNECTORS / "api-key-example"), "test", "--input", "/nonexistent.json"],
])
async def test_unreadable_connector_or_input_exits_2(args):
    status, result, stderr = await run_cli(*args)
    assert status == 2
    assert result["status"] == "failed"
    assert stderr.startswith("error:")


async def test_bad_usage_exits_2():
    status, result, _ = await run_cli("run", "--engine", "spidermonkey")
    assert status == 2 and result is None


def _connector(tmp_path: Path, js: str) -> Path:
    root = tmp_path / "one"
    (root / "auth").mkdir(parents=True)
    (root / "spec.yml").write_text("key: one\nauth:\n  type: client-credentials\n"
                                   "  getCredentialsFromConnectionParameters: {implementationType: javascript}\n")
    (root / "auth" / "get-credentials-from-connection-parameters.js").write_text(js)
    return root


async def test_a_built_in_that_ignores_the_time_limit_still_answers_timeout(engine, tmp_path):
    # (a sparse sort never checks the interrupt (QuickJS) nor TerminateExecution (V8))
    root = _connector(tmp_path, "exports.getCredentialsFromConnectionParameters = async () => {"
                                " const a = []; a[2 ** 32 - 2] = 1; return a.sort().length }")
    started = asyncio.get_running_loop().time()
    status, result, _ = await run_cli("run", str(root), "getCredentialsFromConnectionParameters",
                                      "--engine", engine, "--timeout", "1")
    assert (status, result["error"]["code"]) == (1, "TIMEOUT")
    start_up = 3 * (2 if engine == "v8" else 1)  # a V8 job runs in a child process of the CLI
    assert asyncio.get_running_loop().time() - started < 1 + 4 + start_up  # limit + stop grace/drain + start-up


async def test_lone_surrogates_in_the_result_are_printed_as_json(engine, tmp_path):
    root = _connector(tmp_path, r"""exports.getCredentialsFromConnectionParameters = async () => {
      console.log('log \ud800 line'); const out = { ['key\udc00']: 'value \ud83d', 'é': 'ü' };
      return out }""")
    status, result, _ = await run_cli("run", str(root), "getCredentialsFromConnectionParameters",
                                      "--engine", engine)
    assert status == 0
    assert result["output"] == {"key\udc00": "value \ud83d", "é": "ü"}
    assert result["logs"][0]["message"] == "log \ud800 line"
    failed_root = _connector(tmp_path / "f", r"""exports.getCredentialsFromConnectionParameters = async () => {
      throw new Error('bad \udfff') }""")
    status, result, _ = await run_cli("run", str(failed_root), "getCredentialsFromConnectionParameters",
                                      "--engine", engine)
    assert status == 1 and "bad \udfff" in result["error"]["message"]


@pytest.mark.parametrize("depth", [1200, 100000])
async def test_deeply_nested_input_is_invalid_input_not_a_traceback(depth):
    nested = '{"connectionParameters": {"a": ' + "[" * depth + "]" * depth + "}}"
    status, result, stderr = await run_cli("run", str(CONNECTORS / "api-key-example"), "connect", "--input", "-",
                                           stdin=nested)
    assert result is not None and result["error"]["code"] == "INVALID_INPUT", stderr[-500:]
    assert "Traceback" not in stderr


async def test_a_v8_engine_that_aborts_the_process_still_gets_a_json_answer(tmp_path):
    """V8 aborts its whole process on some out-of-memory conditions (`Array(1e9).fill(0)`: "Fatal
    JavaScript out of memory: invalid table size", after ~30 s); the CLI runs V8 jobs in a child
    process, so it still prints one result. Here the child dies the same way (SIGTRAP, as V8's
    fatal error handler does) while spinning, without waiting half a minute for V8 to get there."""
    import signal

    root = _connector(tmp_path, "exports.getCredentialsFromConnectionParameters = async () => { for (;;) {} }")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "executor.cli", "run", str(root), "getCredentialsFromConnectionParameters",
        "--engine", "v8", "--timeout", "30", "--input", "-", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(b'{"connectionParameters": {"a": 1}}')
    proc.stdin.close()
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    engine_pid = None
    for _ in range(100):
        await asyncio.sleep(0.1)
        pids = children.read_text().split() if children.exists() else []
        if pids:
            engine_pid = int(pids[0])
            break
    assert engine_pid is not None, "the CLI ran the V8 job in-process"
    await asyncio.sleep(1.0)  # let it start spinning
    os.kill(engine_pid, signal.SIGTRAP)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    lines = out.decode().strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, (out, err.decode()[-1000:])
    result = json.loads(lines[0])
    assert result["error"]["code"] == "ENGINE_CRASHED"
    assert "SIGTRAP" in result["error"]["message"]
