"""Shim-unit selection: which shim units a module's prelude gets from the names it mentions."""

from __future__ import annotations

import pytest

from js_runtime.prelude import ALL_UNITS, UNITS, prelude_source, units_for


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
    (("apiClient",), ("timers", "web", "buffer", "net", "eventTarget", "fetch", "axios", "apiClient")),
    (("externalApiClient", "console"),
     ("inspect", "console", "timers", "web", "buffer", "net", "eventTarget", "fetch", "axios", "apiClient")),
])
def test_a_module_gets_the_units_it_names_and_what_they_need(names: tuple[str, ...],
                                                              expected: tuple[str, ...]) -> None:
    assert units_for(names) == expected


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
