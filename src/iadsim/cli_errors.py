"""User errors on the command line: one clear message on stderr and exit code 2, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from iadsim.errors import IadsimError, ScenarioError

err = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`~iadsim.errors.IadsimError` into a message on stderr and ``typer.Exit(2)``.

    A :class:`~iadsim.errors.ScenarioError` lists every problem, one ``file:line:col: key: message``
    per line (never wrapped, so editors and grep can follow them).
    """
    try:
        yield
    except ScenarioError as exc:
        n = len(exc.problems)
        err.print(f"[bold red]error:[/] {n} problem{'s' if n != 1 else ''} in the scenario:", highlight=False)
        for p in exc.problems:
            err.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except IadsimError as exc:
        err.print("[bold red]error:[/] ", end="", highlight=False)
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
