"""Property: every mutant of a bundled scenario either validates or gets a clean ScenarioError /
InputError, and every mutant that validates runs (a short window) without an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_mutations import classify, mutant

from iadsim.scenario.catalog import load_catalog
from iadsim.scenario.load import bundled_scenarios

BASES = {name: path.read_text(encoding="utf-8") for name, path in bundled_scenarios().items()}
CATALOG = load_catalog()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(base=st.sampled_from(sorted(BASES)), seed=st.integers(0, 2**32 - 1))
def test_mutants_validate_cleanly_or_run(base: str, seed: int) -> None:
    outcome, detail = classify(mutant(BASES[base], seed), CATALOG)
    assert outcome in ("rejected", "ran"), f"{base} seed {seed}: {outcome}\n{detail}"


def test_mutations_are_not_all_rejected() -> None:
    """The harness must exercise the engine too: some mutants validate and run."""
    outcomes = [classify(mutant(BASES["adana-patriot-small"], s), CATALOG)[0] for s in range(12)]
    assert "ran" in outcomes and "rejected" in outcomes, outcomes
