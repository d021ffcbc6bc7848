"""Shim-unit selection: which shim units a module's prelude gets from the names it mentions."""

from __future__ import annotations

import pytest

from executor.jobs.api_client import API_CLIENT_UNIT
from js_runtime.prelude import ALL_UNITS, UNITS, Unit, prelude_for, prelude_source, units_for


@pytest.mark.parametrize(("names", "expected"), [
    ((), ()),
    (("x", "fetcher", "consoles", "Url"), ()),  # near misses are not mentions
    (("console",), ("inspect", "console")),  # console.log is util.formatWithOptions (inspect.js)
    (("setTimeout",), ("timers",)),
    (("queueMicrotask",), ("timers",)),
    (("btoa",), ("web",)),
    (("Buffer",), ("web", "buffer")),
    # AbortSignal is an EventTarget, as in Node: fetch needs the eventTarget unit
    (("fetch",), ("timers", "web", "net", "eventTarget", "fetch")),
    (("AbortController",), ("timers", "web", "net", "eventTarget", "fetch")),
    (("axios",), ("timers", "web", "buffer", "net", "eventTarget", "fetch", "axios")),
    (("crypto",), ("web", "buffer", "net", "crypto")),
    # js_runtime has no apiClient of its own: only a caller's extra unit provides it (see below)
    (("apiClient", "externalApiClient"), ()),
])
def test_a_module_gets_the_units_it_names_and_what_they_need(names: tuple[str, ...],
                                                              expected: tuple[str, ...]) -> None:
    assert units_for(names) == expected


@pytest.mark.parametrize(("names", "expected"), [
    (("apiClient",), ("timers", "web", "buffer", "net", "eventTarget", "fetch", "axios", "apiClient")),
    (("externalApiClient", "console"),
     ("inspect", "console", "timers", "web", "buffer", "net", "eventTarget", "fetch", "axios", "apiClient")),
    (("fetch",), ("timers", "web", "net", "eventTarget", "fetch")),  # given but not mentioned: not evaluated
])
def test_a_callers_extra_unit_is_chosen_by_the_same_rule(names: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert units_for(names, (API_CLIENT_UNIT,)) == expected


def test_an_extra_units_files_come_from_its_own_package() -> None:
    source = prelude_for(frozenset({"apiClient"}), (API_CLIENT_UNIT,))
    assert "// ---- api_client.js\n" in source and "host.makers.apiClient" in source
    assert source.index("// ---- axios.js") < source.index("// ---- api_client.js") < source.index("// ---- bridge_end.js")
    assert "host.makers.apiClient" not in prelude_source(ALL_UNITS)


@pytest.mark.parametrize(("extra", "message"), [
    ((Unit("fetch", ("x.js",), frozenset({"x"})),), "two shim units are named 'fetch'"),
    ((API_CLIENT_UNIT, API_CLIENT_UNIT), "two shim units are named 'apiClient'"),
    ((Unit("x", ("x.js",), frozenset({"x"}), needs=("nowhere",)),), "needs ['nowhere']"),
    ((Unit("late", ("x.js",), frozenset({"late"}), needs=("early",)), Unit("early", ("y.js",), frozenset({"y"}))),
     "needs ['early']"),
])
def test_a_malformed_extra_unit_is_refused(extra: tuple[Unit, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        units_for(["x"], extra)


def test_the_order_is_evaluation_order_whatever_the_order_of_mention() -> None:
    assert units_for(["Buffer", "console", "setTimeout"]) == units_for(["setTimeout", "Buffer", "console"]) \
        == ("inspect", "console", "timers", "web", "buffer")


def test_every_need_is_an_earlier_unit() -> None:
    """units_for closes needs in one backward pass: that is only right if needs point backwards."""
    seen: set[str] = set()
    for unit in UNITS:
        assert set(unit.needs) <= seen, unit.name
        seen.add(unit.name)


def test_every_provided_name_selects_its_unit_with_its_needs_closed() -> None:
    by_name = {unit.name: unit for unit in UNITS}
    for unit in UNITS:
        for name in unit.provides:
            chosen = units_for([name])
            assert unit.name in chosen, name
            for picked in chosen:
                assert set(by_name[picked].needs) <= set(chosen), (name, picked)


def test_the_prelude_has_exactly_the_chosen_units_files() -> None:
    source = prelude_source(units_for(["Buffer"]))
    assert "// ---- buffer.js" in source and "// ---- web.js" in source
    assert "// ---- fetch.js" not in source and "// ---- axios.js" not in source
    full = prelude_source(ALL_UNITS)
    assert all(f"// ---- {f}" in full for unit in UNITS for f in unit.files)
