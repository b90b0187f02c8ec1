"""Exception hierarchy.

Every error a user can cause derives from :class:`IadsimError`; the CLI turns those into one clear
message and exit code 2. Scenario problems are collected and raised together as a
:class:`ScenarioError` whose :attr:`ScenarioError.problems` each carry ``file:line:col`` and the key
path inside the document.
"""

from __future__ import annotations

from dataclasses import dataclass


class IadsimError(Exception):
    """Base class of every error iadsim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    ``line`` and ``col`` are 1-based (as editors show them); ``None`` when unknown.
    """

    file: str
    line: int | None
    col: int | None
    key_path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        key = f" {self.key_path}:" if self.key_path else ""
        return f"{where}:{key} {self.message}"


class ScenarioError(IadsimError, ValueError):
    """One or more problems in a scenario (or catalogue) file, reported together."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("<scenario>", None, None, "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class CatalogError(IadsimError, ValueError):
    """The bundled or a user catalogue is inconsistent (missing source, bad value, unknown id)."""


class InputError(IadsimError, ValueError):
    """Bad command-line input or an unreadable input file other than a scenario."""


class NumericalError(IadsimError, ArithmeticError):
    """A numerical kernel met a state it cannot handle (non-PSD covariance, no solution)."""
