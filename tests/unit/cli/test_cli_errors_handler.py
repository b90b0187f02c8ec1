"""cli_errors.user_errors: reusable by other modules' commands, as a decorator or a context manager."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from iadsim.cli_errors import user_errors
from iadsim.errors import InputError


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @user_errors()
    def decorated(what: str = typer.Argument("user")) -> None:
        if what == "user":
            raise InputError("--thing must be positive (got -1)")
        if what == "os":
            raise PermissionError(13, "Permission denied", "/some/file")
        if what == "interrupt":
            raise KeyboardInterrupt
        raise KeyError("bug")

    @app.command()
    def other() -> None:
        pass

    return app


def test_decorator_form_maps_every_failure() -> None:
    app = _app()
    r = CliRunner().invoke(app, ["decorated", "user"])
    assert r.exit_code == 2 and r.output == "error: --thing must be positive (got -1)\n"
    r = CliRunner().invoke(app, ["decorated", "os"])
    assert r.exit_code == 2 and "/some/file: Permission denied" in r.output
    r = CliRunner().invoke(app, ["decorated", "interrupt"])
    assert r.exit_code == 130 and "interrupted" in r.output
    r = CliRunner().invoke(app, ["decorated", "bug"])
    assert r.exit_code == 1 and "internal error" in r.output and "Traceback" not in r.output


def test_decorator_keeps_the_signature() -> None:
    r = CliRunner().invoke(_app(), ["decorated", "--help"])
    assert r.exit_code == 0 and "[WHAT]" in r.output.upper()
