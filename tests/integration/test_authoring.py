"""What a connector author meets on the command line: `check` reporting every problem at once,
--version and --help, exit codes as documented, mistakes named with "did you mean", and
`serve --reload` applying edits to the next job. Real subprocesses, as a user runs them."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
from pathlib import Path

import aiohttp
import pytest
from test_server_process import EXECUTABLE, start_serve

CONNECTORS = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXECUTABLE), *args], input=stdin, capture_output=True, text=True, timeout=60)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


# ---- check ----------------------------------------------------------------------------------------

BROKEN = {
    "spec.yml": """key: broken
name: Broken
parametersSchema: {type: objekt}
auth:
  type: oauth2
  test: {implementationType: javascript}
  makeApiClient: {implementationType: mapping}
  refreshCredentials: {implementationType: javascript}
  disconnect: {implementationType: typescript}
  options:
    eu:
      title: EU
      getCredentialsFromConnectionParameters: {implementationType: javascript}
""",
    "auth/test.js": "export default async function ({ apiClient }) {\n  return apiClient.get('/me'\n}\n",
    "auth/make-api-client.map.yml": "baseUri: {$var: [unclosed\n",
    "auth/refresh-credentials.js": "import fs from 'fs'\nexport default async () => fs.readFileSync('/etc/passwd')\n",
    "auth/get-token-dat.js": "export default async () => ({})\n",
}


def test_check_reports_every_problem_of_a_broken_connector_in_one_run(tmp_path: Path) -> None:
    run = cli("check", str(write(tmp_path / "broken", BROKEN)))
    assert run.returncode == 2, run.stdout + run.stderr
    out = run.stdout
    assert "parametersSchema.type: invalid schema" in out
    assert "error: auth/test.js:2:3: syntax error: JavaScript does not parse" in out
    assert "auth/make-api-client.map.yml:" in out and "YAML does not parse" in out
    assert "error: auth/refresh-credentials.js:1: cannot import module 'fs': connector code may import files" in out
    assert ("auth.disconnect.implementationType: expected one of javascript, mapping, rest-api-mapping, not-supported,"
            " got 'typescript' (did you mean javascript?)") in out
    assert "auth/eu/get-credentials-from-connection-parameters.js: missing" in out
    assert "an oauth2 connector needs getOAuthConfig" in out
    assert "warning: auth/get-token-dat.js: no method slot in spec.yml reads this file " \
           "(did you mean auth/get-token-data.js?)" in out
    assert "note: spec.yml: auth: no getTokenData: the documented default runs" in out
    assert out.count(": error: ") == 7, out
    assert out.rstrip().endswith("7 error(s), 4 warning(s)/note(s)")


def test_check_of_the_examples_is_clean_and_an_undeclared_file_is_a_warning(tmp_path: Path) -> None:
    run = cli("check", *map(str, sorted(CONNECTORS.iterdir())))
    assert run.returncode == 0, run.stdout
    assert "error:" not in run.stdout
    connector = shutil.copytree(CONNECTORS / "api-key-example", tmp_path / "c")
    (connector / "auth" / "disconnect.js").write_text("export default async () => {}\n")
    run = cli("check", str(connector))
    assert run.returncode == 0
    assert "warning: auth/disconnect.js: not read: spec.yml declares no auth.disconnect" in run.stdout


def test_check_of_a_missing_folder_exits_2(tmp_path: Path) -> None:
    run = cli("check", str(tmp_path / "nope"))
    assert run.returncode == 2 and "not a directory" in run.stdout


# ---- --version, --help ------------------------------------------------------------------------

def test_version_and_help_with_examples_for_every_command() -> None:
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("connector-executor 0.")
    for command in ("run", "serve", "replay", "record", "check"):
        shown = cli(command, "--help")
        assert shown.returncode == 0
        assert "examples:\n  connector-executor " + command in shown.stdout, shown.stdout


# ---- exit codes and mistakes ------------------------------------------------------------------

def test_unknown_method_exits_2_with_did_you_mean() -> None:
    run = cli("run", str(CONNECTORS / "api-key-example"), "refreshCredential")
    assert run.returncode == 2
    assert json.loads(run.stdout)["error"] == {
        "code": "INVALID_INPUT", "message": "unknown method 'refreshCredential' (did you mean 'refreshCredentials'?)"}


def test_a_module_exporting_no_function_exits_2(tmp_path: Path) -> None:
    connector = write(tmp_path / "c", {
        "spec.yml": "key: c\nauth:\n  type: client-credentials\n  test: {implementationType: javascript}\n",
        "auth/test.js": "export const answer = 42\n"})
    run = cli("run", str(connector), "test")
    assert run.returncode == 2
    assert json.loads(run.stdout)["error"]["code"] == "CONNECTOR_INVALID"


def test_input_that_is_not_json_says_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "input.json").write_text('{\n  "credentials": {"apiKey": "k",}\n}\n')
    run = cli("run", str(CONNECTORS / "api-key-example"), "makeApiClient", "--input", str(tmp_path / "input.json"))
    assert run.returncode == 2
    message = json.loads(run.stdout)["error"]["message"]
    assert message == (f"input {tmp_path / 'input.json'}:2:33: not JSON: "
                       "Expecting property name enclosed in double quotes")
    assert run.stderr == f"error: {message}\n"


def test_a_misspelt_input_key_is_named_with_did_you_mean() -> None:
    run = cli("run", str(CONNECTORS / "api-key-example"), "makeApiClient", "--input", "-",
              stdin='{"credential": {"apiKey": "k"}, "myOwnKey": 1}')
    warning = ("input.credential: not a documented input key (did you mean 'credentials'?); "
               "it is passed to scripts as it is")
    assert run.stderr == f"warning: {warning}\n"
    assert json.loads(run.stdout)["warnings"] == [warning]


def test_an_options_connector_run_without_auth_option_says_so() -> None:
    run = cli("run", str(CONNECTORS / "options-example"), "makeApiClient", "--input", "-",
              stdin='{"credentials": {"apiKey": "k"}}')
    assert ("warning: options-example has auth options (api-key, oauth) and none was chosen, so the top-level "
            "auth runs; choose one with --auth-option KEY (authOption)") in run.stderr
    chosen = cli("run", str(CONNECTORS / "options-example"), "makeApiClient", "--auth-option", "api-key",
                 "--input", "-", stdin='{"credentials": {"apiKey": "k"}}')
    assert chosen.returncode == 0 and "warning" not in chosen.stderr


def test_a_fixture_without_expect_fails_and_a_misspelt_field_is_named(tmp_path: Path) -> None:
    base = {"connector": str(CONNECTORS / "api-key-example"), "method": "makeApiClient",
            "input": {"credentials": {"apiKey": "k"}}}
    (tmp_path / "no-expect.json").write_text(json.dumps(base))
    (tmp_path / "typo.json").write_text(json.dumps({**base, "expected": {"status": "succeeded"}}))
    run = cli("replay", str(tmp_path))
    assert run.returncode == 1
    assert "expect: missing or empty: the fixture would pass whatever the job does" in run.stdout
    assert "typo.json: expected: unknown field (did you mean 'expect'?)" in run.stdout


# ---- serve: the --connectors folder --------------------------------------------------------------

@pytest.mark.parametrize(("where", "message"), [
    ("missing", "error: --connectors {dir}: no such directory"),
    ("one-connector", "error: --connectors {dir}: this is one connector's own folder (it holds a spec.yml); "
                      "--connectors takes the folder that holds connector folders, e.g. {parent}"),
    ("duplicate", "error: {dir}: connectors a/ and b/ both have key 'api-key-example'; keys must be unique"),
])
def test_serve_refuses_a_connectors_folder_it_cannot_serve(tmp_path: Path, where: str, message: str) -> None:
    folder = tmp_path / where
    if where == "one-connector":
        shutil.copytree(CONNECTORS / "api-key-example", folder)
    elif where == "duplicate":
        for name in ("a", "b"):
            shutil.copytree(CONNECTORS / "api-key-example", folder / name)
    run = cli("serve", "--connectors", str(folder), "--port", "0")
    assert run.returncode == 2
    assert run.stderr == message.format(dir=folder, parent=folder.resolve().parent) + "\n"


async def test_serve_reload_applies_an_edit_to_the_next_job(tmp_path: Path) -> None:
    root = write(tmp_path / "connectors" / "mine", {
        "spec.yml": "key: mine\nauth:\n  type: client-credentials\n  test: {implementationType: javascript}\n",
        "auth/test.js": "export default async () => 'first'\n"})
    serve = await start_serve("--connectors", str(root.parent), "--reload")
    job = {"connector": "mine", "method": "test", "input": {}}
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{serve.url}/v1/jobs", json=job) as response:
                assert (await response.json())["output"] == "first"
            (root / "auth" / "test.js").write_text("export default async () => 'second'\n")
            write(root.parent / "new", {"spec.yml": "key: new\nauth:\n  type: client-credentials\n"})
            async with session.post(f"{serve.url}/v1/jobs", json=job) as response:
                assert (await response.json())["output"] == "second"
            async with session.post(f"{serve.url}/v1/jobs", json={**job, "connector": "new"}) as response:
                assert (await response.json())["status"] == "succeeded"
            (root / "auth" / "test.js").write_text("export default async () => {\n")
            async with session.post(f"{serve.url}/v1/jobs", json=job) as response:
                assert response.status == 404
                error = (await response.json())["error"]
                assert error["code"] == "CONNECTOR_NOT_FOUND"
                assert error["message"].startswith("no connector with key 'mine' (mine/ does not load: auth/test.js:")
                assert error["message"].endswith("JavaScript does not parse)")
            (root / "auth" / "test.js").write_text("export default async () => 'third'\n")
            async with session.post(f"{serve.url}/v1/jobs", json={**job, "input": {"State": "s"}}) as response:
                assert (await response.json())["warnings"] == [
                    "input.State: not a documented input key (did you mean 'state'?); it is passed to scripts as it is"]
    finally:
        serve.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(serve.process.wait(), 15)
        assert serve._reader is not None
        await serve._reader


def test_unknown_spec_keys_are_warned_about_by_run_and_check(tmp_path: Path) -> None:
    connector = write(tmp_path / "c", {
        "spec.yml": "key: c\nnmae: typo\nauth:\n  type: client-credentials\n  test: {implementationType: javascript}\n",
        "auth/test.js": "export default () => true\n",
    })
    run = cli("run", str(connector), "test")
    assert run.returncode == 0, run.stderr
    assert "warning: spec.yml: nmae: unknown key, ignored (did you mean name?)" in run.stderr
    check = cli("check", str(connector))
    assert check.returncode == 0, check.stdout
    assert check.stdout.count("nmae: unknown key") == 1
