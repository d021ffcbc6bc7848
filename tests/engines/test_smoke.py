"""The runtime's basic contract on both engines: module styles, output, errors."""

import pytest

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("source", [
    "export default async function ({ a }) { return { v: a.b ?? 1 } }",
    "export default ({ a }) => ({ v: a.b ?? 1 })",
    "exports.run = async function ({ a }) { return { v: a.b ?? 1 } }",
    "module.exports = async ({ a }) => ({ v: a.b ?? 1 })",
    "module.exports = { run: async ({ a }) => ({ v: a.b ?? 1 }) }",
    "async function named({ a }) { return { v: a.b ?? 1 } }\nexport default named",
    "export async function run({ a }) { return { v: a.b ?? 1 } }",
])
async def test_module_styles_all_find_the_method(run_js, source):
    result = await run_js(source, {"a": {}})
    assert result.error is None
    assert result.output == {"v": 1}
