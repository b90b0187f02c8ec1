"""The one place where failures become messages and exit codes (every CLI command uses it).

* :class:`~iadsim.errors.IadsimError` (bad scenario, flag, file): one clear message, exit 2;
  a :class:`~iadsim.errors.ScenarioError` lists every problem as ``file:line:col: key: message``.
* ``OSError`` (read-only directory, permission, disk full, a directory given as a file, ...): the
  operating system's reason and the path, exit 2 — the user can fix it, it is not a bug.
* ``KeyboardInterrupt``: ``interrupted``, exit 130 (outputs are atomic: nothing half-written).
* anything else is a bug: one line asking for a report and naming the file where the traceback
  was saved, exit 1. Never a traceback on the terminal.

Use it as a context manager or a decorator (commands of other modules register the same way)::

    from iadsim.cli_errors import user_errors

    @app.command()
    @user_errors()
    def report(...): ...
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import typer
from rich.console import Console

from iadsim.errors import IadsimError, ScenarioError

__all__ = ["err", "user_errors", "save_traceback", "ISSUES_URL"]

err = Console(stderr=True)

ISSUES_URL = "the iadsim issue tracker"


def save_traceback(exc: BaseException) -> Path | None:
    """Write the traceback of ``exc`` to a new file and return its path (None if impossible).

    The directory is ``$IADSIM_CRASH_DIR`` if set, else the system temporary directory.
    """
    import iadsim

    base = Path(os.environ.get("IADSIM_CRASH_DIR") or tempfile.gettempdir())
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (
        f"iadsim {iadsim.__version__} internal error, python {sys.version.split()[0]}\n"
        f"command: {' '.join(sys.argv)}\n\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"iadsim-crash-{stamp}-", suffix=".txt", dir=base)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return Path(name)
    except OSError:
        return None


def _print_error(message: str) -> None:
    err.print("[bold red]error:[/] ", end="", highlight=False)
    err.print(message, highlight=False, markup=False, soft_wrap=True)


def _os_message(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    names = [n for n in (exc.filename, exc.filename2) if n]
    return f"{names[0]}: {what}" + (f" (and {names[1]})" if len(names) > 1 else "") if names else what


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every failure into one message and an exit code (see the module docstring)."""
    try:
        yield
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
        raise
    except ScenarioError as exc:
        n = len(exc.problems)
        err.print(f"[bold red]error:[/] {n} problem{'s' if n != 1 else ''} in the scenario:", highlight=False)
        for p in exc.problems:
            err.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except IadsimError as exc:
        _print_error(str(exc))
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted (nothing half-written was left behind)", highlight=False)
        raise typer.Exit(130) from None
    except MemoryError:
        _print_error("out of memory; make the scenario smaller (fewer threats, shorter duration, coarser grid)")
        raise typer.Exit(2) from None
    except OSError as exc:
        _print_error(_os_message(exc))
        raise typer.Exit(2) from None
    except Exception as exc:  # a bug: never a traceback on the terminal
        path = save_traceback(exc)
        where = f"; the traceback is saved in {path}" if path else ""
        _print_error(
            f"internal error ({type(exc).__name__}: {str(exc)[:200]}). This is a bug in iadsim: please report it to "
            f"{ISSUES_URL} with the command and scenario{where}"
        )
        raise typer.Exit(1) from None
