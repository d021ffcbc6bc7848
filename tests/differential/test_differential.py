"""Every corpus in tests/differential/corpus_*.py, run in Node.js 20 and on both engines, compared.

Add a corpus file with a `CORPUS = Corpus(...)` to grow the harness; see tests/support/differential.py.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from support.differential import Corpus, mismatches, missing_npm, node_results, node_version

from js_runtime.limits import Limits

pytestmark = pytest.mark.skipif(node_version() is None, reason="the differential harness needs Node.js 20 on PATH")

_HERE = Path(__file__).parent
CORPORA: dict[str, Corpus] = {
    path.stem.removeprefix("corpus_"): importlib.import_module(path.stem).CORPUS
    for path in sorted(_HERE.glob("corpus_*.py"))
}


@pytest.mark.parametrize("corpus_name", list(CORPORA))
async def test_engines_agree_with_node(run_js, engine, corpus_name):
    corpus = CORPORA[corpus_name]
    if (reason := missing_npm(corpus.npm)) is not None:
        pytest.skip(reason)
    node = node_results(corpus)
    result = await run_js(corpus.module_source(), limits=Limits(timeout=60))
    assert result.error is None, result.error
    differing, no_longer_different = mismatches(corpus, engine, node, result.output)
    assert differing == []
    assert no_longer_different == [], "these cases now agree with Node: remove them from `deliberate`"


def test_every_corpus_names_its_cases_uniquely():
    for corpus in CORPORA.values():
        names = [name for name, _ in corpus.cases]
        assert len(names) == len(set(names)), corpus.name
        assert {key.split('@')[0] for key in corpus.deliberate} <= set(names), corpus.name
