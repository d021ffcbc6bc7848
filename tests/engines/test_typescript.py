"""TypeScript connectors: types erased keeping lines and columns, run unchanged on both engines;
what has no faithful erasure fails at load naming file:line; runtime errors point into the .ts source."""

from __future__ import annotations

import pytest

from executor.errors import ConnectorInvalid
from js_runtime.modules import load_module
from js_runtime.typescript import erase_types

TYPES = """export interface Credentials { apiKey: string; region?: string }
export type Scope = 'read' | 'write';
export enum Mode { Basic, Bearer = 5, Named = 'named' }
"""

CLIENT = """import type { Credentials, Scope } from './types';
import { Mode } from './types';
import axios from 'axios';

abstract class Base<T> {
  constructor(protected readonly base: string, private mode?: Mode) {}
  abstract path(): string;
}

class Client<T extends object> extends Base<T> {
  declare extra: number;
  path(): string { return '/v1/check'; }
  async check<R>(creds: Credentials): Promise<R> {
    const scope: Scope = 'read';
    const res = await axios.get(this.base + this.path(), {
      headers: { authorization: `${Mode[Mode.Bearer]} ${creds.apiKey!}`, 'x-scope': scope as string },
    });
    return res.data as R;
  }
}

export default async function test({ credentials, connectorParameters }: { credentials: Credentials;
    connectorParameters: { base: string } }): Promise<boolean> {
  const client = new Client<{}>(connectorParameters.base, Mode.Basic);
  const data = await client.check<{ ok: boolean }>(credentials satisfies Credentials);
  return data!.ok && Mode.Named === 'named' && Mode.Bearer === 5 && Mode[5] === 'Bearer';
}
"""


async def test_a_typescript_connector_runs_unchanged(run_connector, api_server):
    api_server.reply("GET", "/v1/check", json_body={"ok": True})
    files = {"spec.yml": "auth:\n  type: client-credentials\n  test: {implementationType: javascript}\n",
             "auth/test.ts": CLIENT, "auth/types.ts": TYPES}
    result = await run_connector(files, "test", {"credentials": {"apiKey": "k"},
                                                 "connectorParameters": {"base": api_server.base}})
    assert result.status == "succeeded", result.error
    assert result.output is True
    assert api_server.received[-1].headers["Authorization"] == "Bearer k"
    assert api_server.received[-1].headers["x-scope"] == "read"


def test_erasure_keeps_every_line_and_column():
    erased = erase_types(CLIENT, "auth/test.ts")
    assert erased.count("\n") == CLIENT.count("\n")
    for before, after in zip(CLIENT.splitlines(), erased.splitlines(), strict=True):
        if "constructor(" not in before:  # parameter properties insert their assignments there
            assert len(after) == len(before), (before, after)
    assert "interface" not in erase_types(TYPES, "t.ts") and "Credentials" not in erase_types(TYPES, "t.ts")


@pytest.mark.parametrize(("source", "message"), [
    ("\n@decorate\nclass A {}", "x.ts:2: decorators"),
    ("namespace N { export const a = 1; }", "x.ts:1: a namespace holding values"),
    ("import fs = require('fs');", "x.ts:1: `import x = require(...)`"),
    ("const a = 1;\nexport = a;", "x.ts:2: `export =`"),
    ("let x: = 1;", "x.ts:1:"),
])
def test_what_cannot_be_erased_fails_at_load(source, message):
    with pytest.raises(ConnectorInvalid) as caught:
        load_module(source, "x.ts")
    assert message in caught.value.message


def test_declared_namespaces_and_types_only_erase():
    assert load_module("declare namespace G { const a: number }\nexport default (): number => 1;", "x.ts").factory


async def test_a_runtime_error_points_at_the_ts_source_on_both_engines(run_js_files):
    helper = "export interface P { a?: { b: string } }\nexport function read(p: P): string {\n  return p.a!.b;\n}\n"
    source = "import { read } from '../lib/read.ts';\n\nexport default (): string => read({} as any);\n"
    with pytest.raises(Exception) as caught:
        await run_js_files(source, {"lib/read.ts": helper}, entry="auth/test.ts")
    details = caught.value.details  # type: ignore[attr-defined]
    assert details["location"].startswith("lib/read.ts:3:")
    assert details["stack"][0].startswith("at read (lib/read.ts:3:")
    assert details["stack"][1].startswith("at default (auth/test.ts:3:")
    assert all("<" not in frame for frame in details["stack"])  # no prelude or executor frames
