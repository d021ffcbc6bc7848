"""Connectors made of several files, and Node built-in modules, run unchanged on both engines; what
would leave the connector or cannot load fails at load time with CONNECTOR_INVALID naming file:line."""

from __future__ import annotations

import os

import pytest

from executor.connector import load_connector_dir, load_connector_files
from executor.errors import ConnectorInvalid
from js_runtime.modules import MAX_MODULE_BYTES, load_module

SPEC = "key: shared\nauth:\n  type: client-credentials\n  test: {implementationType: javascript}\n" \
       "  makeApiClient: {implementationType: javascript}\n"

ESM = {
    "spec.yml": SPEC,
    "config.json": '{"path": "/v1/check", "scopes": ["a", "b"]}',
    "lib/sign.mjs": "import config from '../config.json';\nimport qs from 'node:querystring';\n"
                    "import { format } from 'util';\n"
                    "export const form = (c) => qs.stringify({key: c.apiKey, scope: config.scopes});\n"
                    "export function header(c) { return format('Key %s; n=%d', c.apiKey, 2); }\n"
                    "export default config;\n",
    "lib/index.js": "export * from './sign.mjs';\nexport { default as config } from './sign.mjs';\n",
    "auth/test.js": "import axios from 'axios';\nimport { form, header, config } from '../lib';\n"
                    "export default async function test({ credentials, connectorParameters }) {\n"
                    "  const res = await axios.post(connectorParameters.base + config.path, form(credentials),\n"
                    "    { headers: { authorization: header(credentials) } });\n"
                    "  return res.data.ok === true;\n}\n",
    "auth/make-api-client.js": "import { header } from '../lib/index.js';\n"
                               "export default ({ credentials }) => ({ headers: { authorization: header(credentials) } });\n",
}

CJS = {
    "spec.yml": SPEC,
    "config.json": '{"path": "/v1/check", "scopes": ["a", "b"]}',
    "lib/sign.cjs": "const qs = require('querystring');\nconst util = require('node:util');\n"
                    "const config = require('../config');\n"
                    "exports.form = (c) => qs.stringify({key: c.apiKey, scope: config.scopes});\n"
                    "exports.header = (c) => util.format('Key %s; n=%d', c.apiKey, 2);\nexports.config = config;\n",
    "lib/index.js": "module.exports = require('./sign.cjs');\n",
    "auth/test.js": "const axios = require('axios');\nconst { form, header, config } = require('../lib');\n"
                    "module.exports = async function test({ credentials, connectorParameters }) {\n"
                    "  const res = await axios.post(connectorParameters.base + config.path, form(credentials),\n"
                    "    { headers: { authorization: header(credentials) } });\n"
                    "  return res.data.ok === true;\n};\n",
    "auth/make-api-client.js": "const { header } = require('../lib/sign.cjs');\n"
                               "module.exports = ({ credentials }) => ({ headers: { authorization: header(credentials) } });\n",
}


@pytest.mark.parametrize("files", [ESM, CJS], ids=["esm", "cjs"])
async def test_a_connector_sharing_a_helper_module_and_a_json_file(run_connector, api_server, files):
    api_server.reply("POST", "/v1/check", json_body={"ok": True})
    job_input = {"credentials": {"apiKey": "k 1"}, "connectorParameters": {"base": api_server.base}}
    result = await run_connector(files, "test", job_input)
    assert result.status == "succeeded", result.error
    sent = api_server.received[-1]
    assert sent.body == b"key=k%201&scope=a&scope=b"  # querystring.stringify, arrays repeated
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["Authorization"] == "Key k 1; n=2"  # util.format
    client = await run_connector(files, "makeApiClient", {"credentials": {"apiKey": "z"}})
    assert client.output == {"headers": {"authorization": "Key z; n=2"}}


async def test_commonjs_cycles_see_partial_exports_as_in_node(run_js_files):
    files = {
        "a.js": "exports.early = 'a-early';\nconst b = require('./b');\nexports.late = 'a-late';\n"
                "exports.seen = b.seenFromB;\n",
        "b.js": "const a = require('./a');\nexports.seenFromB = [a.early, a.late];\n",
    }
    out = await run_js_files("module.exports = () => { const a = require('./a'); return [a.seen, a.late]; };", files)
    assert out == [["a-early", None], "a-late"]  # Node: b sees a's exports as they were when b ran


async def test_es_module_cycles_bind_hoisted_functions_live(run_js_files):
    files = {
        "even.mjs": "import { odd } from './odd.mjs';\nexport function even(n) { return n === 0 ? true : odd(n - 1); }\n",
        "odd.mjs": "import { even } from './even.mjs';\nexport function odd(n) { return n === 0 ? false : even(n - 1); }\n",
    }
    assert await run_js_files("import { even } from './even.mjs';\nexport default () => [even(10), even(7)];", files) == [
        True, False]


async def test_dynamic_import_and_index_and_ts_twin_resolution(run_js_files):
    files = {"lib/index.ts": "export const kind: string = 'ts-index';\n", "lib/x.ts": "export default 5 as number;\n"}
    source = "import { kind } from './lib';\nimport x from './lib/x.js';\n" \
             "export default async () => [kind, x, (await import('./lib/x.js')).default];"
    assert await run_js_files(source, files) == ["ts-index", 5, 5]


@pytest.mark.parametrize(("source", "files", "message"), [
    ("import x from '../../etc/passwd';", {}, "test.js:1: cannot import '../../etc/passwd': the path leaves"),
    ("const x = require('/etc/passwd');", {}, "test.js:1: cannot import '/etc/passwd': absolute paths"),
    ("\nconst fs = require('fs');", {}, "test.js:2: cannot import module 'fs'"),
    ("import { readFileSync } from 'node:fs';", {}, "cannot import module 'node:fs'"),
    ("import cp from 'child_process';", {}, "cannot import module 'child_process'"),
    ("const p = require('process');", {}, "cannot import module 'process'"),
    ("const o = require('node:os');", {}, "cannot import module 'node:os'"),
    ("const h = require('http');", {}, "cannot import module 'http'"),
    ("const n = require('net');", {}, "cannot import module 'net'"),
    ("import _ from 'lodash';", {}, "cannot import module 'lodash'"),
    ("export default () => import('./missing.js');", {}, "test.js:1: cannot import './missing.js': no such file"),
    ("import a from './a.js';", {"a.js": "import b from './b.json';"}, "a.js:1: cannot import './b.json'"),
    ("import d from './d.json';", {"d.json": '{"a": 1,\n "b": }'}, "d.json:2:7: JSON does not parse"),
    ("import a from './a.js';", {"a.js": "\nconst = 1;"}, "a.js:2:1: syntax error"),
    # Node: "SyntaxError: HTML comments are not allowed in modules" (in a script they are comments)
    ("export default 1;\n<!-- old browsers", {}, "test.js:2:1: SyntaxError: HTML comments are not allowed"),
    ("import a from './a.mjs';", {"a.mjs": "\n\n--> x"}, "a.mjs:3:1: SyntaxError: HTML comments are not allowed"),
])
def test_what_cannot_load_fails_at_load_naming_file_and_line(source, files, message):
    with pytest.raises(ConnectorInvalid) as caught:
        load_module(source, "test.js", files)
    assert message in caught.value.message


def test_a_deep_import_chain_and_a_cycle_load_within_bounds():
    chain = {f"m{i}.js": f"module.exports = require('./m{i + 1}.js') + 1;" for i in range(200)}
    chain["m200.js"] = "module.exports = 0;"
    assert len(load_module("module.exports = () => require('./m0.js');", "test.js", chain).files) == 202
    too_long = {f"m{i}.js": f"require('./m{i + 1}.js');" for i in range(300)}
    with pytest.raises(ConnectorInvalid, match="imports more than 256 files"):
        load_module("require('./m0.js');", "test.js", too_long)
    cycle = {"a.js": "require('./b.js');", "b.js": "require('./a.js');"}
    assert len(load_module("require('./a.js');", "test.js", cycle).files) == 3


def test_a_10_mb_json_import_is_refused_at_load():
    huge = '{"a": "' + "x" * (10 * 1024 * 1024) + '"}'
    with pytest.raises(ConnectorInvalid, match=f"big.json: larger than {MAX_MODULE_BYTES} bytes"):
        load_module("const big = require('./big.json');", "test.js", {"big.json": huge})


def test_a_symlink_out_of_the_connector_is_refused(tmp_path):
    outside = tmp_path / "secret.json"
    outside.write_text('{"token": "s"}')
    connector = tmp_path / "c"
    (connector / "auth").mkdir(parents=True)
    (connector / "spec.yml").write_text(SPEC.replace("  makeApiClient: {implementationType: javascript}\n", ""))
    (connector / "auth" / "test.js").write_text("module.exports = () => require('../data.json').token;")
    os.symlink(outside, connector / "data.json")
    with pytest.raises(ConnectorInvalid, match="data.json: a symbolic link that leaves the connector's directory"):
        load_connector_dir(connector)


def test_a_job_not_importing_modules_gets_its_plain_factory():
    plain = load_module("export default () => { const url = 'x'; return url; }", "auth/test.js")
    assert "program" not in plain.factory and "__ceP" not in plain.factory
    assert plain.files == ("auth/test.js",)
    assert "url" not in plain.names  # a mention of a module's name selects no module unit
    imported = load_module("import { URL } from 'node:url';", "auth/test.js")
    assert "url" in imported.names


def test_inline_code_imports_connector_files():
    connector = load_connector_files({
        "spec.yml": "auth:\n  type: client-credentials\n  test:\n    implementationType: javascript\n"
                    "    code: \"module.exports = () => require('./lib/ok.js')\"\n",
        "lib/ok.js": "module.exports = true;",
    })
    module = connector.auth.method("test").module  # type: ignore[union-attr]
    assert module is not None and "lib/ok.js" in module.files
