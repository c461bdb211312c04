"""Hostile preset files.

Preset files (flows/preset/): each shipped preset, mutated at one place (a key removed; a value replaced
by the wrong type, a huge or negative number, NUL, a lone surrogate, 100,000 characters, an unknown unit,
event or time zone), and random text as a TOML file. The loader answers a Preset or a PresetError whose
message names the file and the key; never any other exception.

Hostile command-line arguments: tests/integration/test_fuzz_cli.py.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from examples import examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flows.preset import AMOUNT_MAX, PRESET_DIR, PresetError, available_presets, load_preset, parse_preset

PRESETS = {name: tomllib.loads((PRESET_DIR / f"{name}.toml").read_text()) for name in available_presets()}
ODD_VALUES = [None, True, 0, -1, -(10**30), 10**30, 1.5, float("inf"), "", " ", "x", "\x00", "\ud800", "🙂",
              "a" * 100_000, [], [1], ["\x00"], {}, {"x": 1}, [{}], "Mars/Phobos", "25:99", "clock:nope", "fortnights"]
SENTINEL = object()


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += paths(value, prefix + (i,))
    return out


PATHS = [(name, path) for name, data in PRESETS.items() for path in paths(data)]


def mutated(name: str, path: tuple, value: Any) -> dict:
    data = copy.deepcopy(PRESETS[name])
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is SENTINEL:
        node.pop(path[-1])
    else:
        node[path[-1]] = value
    return data


def assert_preset_or_named_error(data: dict, source: str) -> None:
    try:
        parse_preset(data, source=source)
    except PresetError as exc:
        assert str(exc).startswith(f"{source}: {exc.key}: ") and exc.key and exc.problem, str(exc)
        assert len(str(exc)) < 600  # the problem, not the value quoted back in full


@given(where=st.sampled_from(PATHS), value=st.one_of(st.sampled_from([*ODD_VALUES, SENTINEL]),
                                                      st.integers(), st.text(max_size=30)))
@settings(max_examples=examples(400), deadline=None)
def test_a_preset_mutated_anywhere_loads_or_names_the_problem(where, value) -> None:  # type: ignore[no-untyped-def]
    name, path = where
    assert_preset_or_named_error(mutated(name, path, value), f"{name}.toml")


def test_every_key_of_salford_with_every_odd_value() -> None:
    """One preset's whole cross product (about 4,000 files; the hypothesis test above samples all five)."""
    for name, path in [(n, p) for n, p in PATHS if n == "salford"]:
        for value in (*ODD_VALUES, SENTINEL):
            assert_preset_or_named_error(mutated(name, path, value), name)


@pytest.mark.parametrize("change, key, problem", [
    (("clocks", 0, "amount"), "amount", "a clock in"),  # 10**30: before the fix, accepted
    (("timezone",), "timezone", "is not a time zone"),  # 1,500 characters: before the fix, OSError
    (("roles", 0, "label"), "roles", "control character"),  # NUL: before the fix, accepted (PostgreSQL refuses it)
    (("clocks", 0, "source"), "source", "control character"),
])
def test_the_values_that_got_through_before(change: tuple, key: str, problem: str) -> None:
    value = {"amount": 10**30, "timezone": "a" * 1500, "label": "Chair\x00", "source": "7.5\ud800"}[change[-1]]
    with pytest.raises(PresetError) as caught:
        parse_preset(mutated("salford", change, value), source="salford.toml")
    assert key in caught.value.key and problem in caught.value.problem, str(caught.value)


def test_the_longest_clock_of_each_unit_still_loads() -> None:
    data = copy.deepcopy(PRESETS["salford"])
    clock = next(c for c in data["clocks"] if c["unit"] == "working_days")
    clock["amount"] = AMOUNT_MAX["working_days"]
    parse_preset(data, source="salford.toml")
    clock["amount"] = AMOUNT_MAX["working_days"] + 1
    with pytest.raises(PresetError, match="can be at most 2,600"):
        parse_preset(data, source="salford.toml")


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
@example(b"\xff\xfe not utf-8")
@example("[[clocks]]\nid = 1\n")
@example("name = '" + "x" * 10_000 + "'")
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_files_are_refused_as_preset_errors(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "ours.toml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize("name", ["a" * 5000, "../../etc/passwd", "/dev/null", "nope", "\x00", "dir/"])
def test_preset_names_and_paths_that_are_not_presets(name: str) -> None:
    with pytest.raises(PresetError):
        load_preset(name)
