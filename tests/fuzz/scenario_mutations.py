"""Mutations of scenario files for fuzzing (shared by the hypothesis test and
``benchmarks/fuzz_scenarios.py``).

:func:`mutant` applies 1–4 random operators, chosen by a seed, to a bundled scenario: tree
mutations (a scalar replaced by a hostile value, a key deleted, an unknown / bracketed / complex
key added, a list item duplicated or emptied, a mapping turned into a list, an anchor and an alias
inserted) and text mutations (a character inserted or deleted, a line duplicated or truncated,
control characters, unbalanced brackets). :func:`classify` runs one mutant the way the CLI
would: validate, compute the warnings, then (if valid) simulate a short window of it.
"""

from __future__ import annotations

import io
import random
import traceback
from typing import Any

from ruamel.yaml import YAML

HOSTILE: list[Any] = [
    float("nan"), float("inf"), float("-inf"), 0, -1, 1, 2, 3, 7, 0.5, -0.0, 1e-9, 1e308, 10**400, 2**63,
    "", "x", "../../escape", "a/b", "\u202e", "\x00", "¥" * 100, None, True, False, [], {}, [1, 2],
    {"k": 1}, [[[]]], "1e3", "nan", 360, 90.0001, -90.5, 180.5, 600, 86400 * 8,
]  # fmt: skip
TEXT_SNIPPETS = ["[", "]", "{", "}", ":", "- ", "&a ", "*a", "!!python/object:os.system ", "\t", "\x07", "\x1b",
                 "? ", "'", '"', "#", "\n  ", ": ~", "<<: *a\n", "%YAML 1.1\n"]  # fmt: skip


def _paths(node: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [loc]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, loc + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, loc + (i,))
    return out


def _get(node: Any, loc: tuple[Any, ...]) -> Any:
    for k in loc:
        node = node[k]
    return node


def _mutate_tree(doc: Any, rng: random.Random) -> None:
    paths = [p for p in _paths(doc) if p]
    if not paths:
        return
    loc = rng.choice(paths)
    parent = _get(doc, loc[:-1])
    key = loc[-1]
    op = rng.randrange(8)
    if op <= 2:  # replace a value by a hostile one (most common)
        parent[key] = rng.choice(HOSTILE)
    elif op == 3:  # delete
        del parent[key]
    elif op == 4 and isinstance(parent, dict):  # odd keys
        parent[rng.choice(["colour", "sites[0]", "a.b", "", "1", "__class__", "name "])] = rng.choice(HOSTILE)
    elif op == 5 and isinstance(parent, list):  # duplicate an item (duplicate names) or empty the list
        if rng.random() < 0.7:
            parent.append(parent[key])
        else:
            parent.clear()
    elif op == 6:  # mapping ↔ list
        v = parent[key]
        parent[key] = list(v.values()) if isinstance(v, dict) else ({"k": v} if not isinstance(v, list) else v[:1])
    else:  # numeric scaling of a number
        v = parent[key]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parent[key] = type(v)(v * rng.choice([-1, 0, 10, 1000, 0.001])) if isinstance(v, float) else v * rng.choice([-1, 0, 10, 1000])


def _mutate_text(text: str, rng: random.Random) -> str:
    if not text:
        return text
    i = rng.randrange(len(text))
    op = rng.randrange(5)
    if op == 0:
        return text[:i] + rng.choice(TEXT_SNIPPETS) + text[i:]
    if op == 1:
        return text[:i] + text[i + rng.randint(1, 20):]
    lines = text.split("\n")
    j = rng.randrange(len(lines))
    if op == 2:
        lines.insert(j, lines[j])
    elif op == 3:
        lines = lines[:j]
    else:
        lines[j] = lines[j][: rng.randrange(len(lines[j]) + 1)] + rng.choice(TEXT_SNIPPETS)
    return "\n".join(lines)


def mutant(base_text: str, seed: int) -> str:
    """A mutant of ``base_text`` (YAML), deterministic in ``seed``."""
    rng = random.Random(seed)
    yaml = YAML(typ="safe", pure=True)
    doc = yaml.load(base_text)
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.75:
            _mutate_tree(doc, rng)
        else:
            break
    buf = io.StringIO()
    try:
        yaml.dump(doc, buf)
        text = buf.getvalue()
    except Exception:  # noqa: BLE001 - values the dumper refuses: fall back to the original text
        text = base_text
    if rng.random() < 0.35:
        for _ in range(rng.randint(1, 3)):
            text = _mutate_text(text, rng)
    return text


def short_window(sc: Any, max_s: float = 60.0, max_ticks: int = 300) -> Any:
    """The scenario cut to ``min(duration, max_s, max_ticks · dt)`` (a short run of a mutant)."""
    d = min(sc.duration_s, max_s, max_ticks * sc.time_step_s)
    return sc.model_copy(update={"duration_s": d})


def classify(text: str, catalog: Any = None) -> tuple[str, str]:
    """Validate and (if valid) run a short window: ``(outcome, detail)``.

    Outcomes: ``rejected`` (a clean ScenarioError / InputError), ``ran`` (valid and simulated),
    ``run-error`` (valid, but the run raised an IadsimError: validation missed something),
    ``crash`` (any other exception: a bug; ``detail`` holds the traceback).
    """
    from iadsim.engine.run import simulate
    from iadsim.errors import IadsimError
    from iadsim.scenario.load import validate_text

    try:
        sc = validate_text(text, "mutant.yaml", catalog)
    except IadsimError as exc:
        return "rejected", str(exc).split("\n")[1:2][0].strip() if "\n" in str(exc) else str(exc)
    except Exception:  # noqa: BLE001
        return "crash", "validate: " + traceback.format_exc()
    try:
        from iadsim.scenario.warnings import scenario_warnings

        scenario_warnings(sc, None, "mutant.yaml", catalog)  # the CLI computes them for every valid file
    except Exception:  # noqa: BLE001
        return "crash", "warnings: " + traceback.format_exc()
    try:
        simulate(short_window(sc), catalog=catalog)
    except IadsimError as exc:
        return "run-error", str(exc)[:300]
    except Exception:  # noqa: BLE001
        return "crash", "simulate: " + traceback.format_exc()
    return "ran", ""
