"""Atomic directory output shared by ``run``, ``coverage`` and ``site``.

Rules (``docs/design.md`` "Nothing lost"):

* an output directory may replace only a previous iadsim result — a directory whose
  ``manifest.json`` carries the :data:`MARKER` key — unless the user passes ``--overwrite``;
* dangerous targets (``""``, ``.``, ``/``, a top-level directory such as ``/tmp``, the home
  directory, the working directory or any of its parents, a mount point) are always refused;
* writability is checked with a probe file *before* any work starts (:func:`prepare_output`);
* all files are written into a temporary directory beside the target, flushed, and moved into place
  with one atomic exchange (Linux ``renameat2(RENAME_EXCHANGE)``) or, where the filesystem lacks it,
  two renames with the previous result kept aside until the new one is in place (and restored by
  the next call if a crash fell between the two);
* directories get the permissions of the user's umask (not ``mkdtemp``'s 0700).

An interrupted or killed writer therefore leaves either the complete previous result or the
complete new one at the target, plus at most a hidden ``.NAME.iadsim-*`` sibling that the next
write into the same place removes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from iadsim.errors import InputError

__all__ = [
    "MARKER",
    "prepare_output",
    "atomic_output",
    "is_iadsim_result",
    "sanitize_name",
    "write_marker_manifest",
]

#: Key of ``manifest.json`` that marks a directory as an iadsim result (value: its kind).
MARKER = "iadsim_result"
_TMP_TAG = ".iadsim-tmp-"
_OLD_TAG = ".iadsim-old-"


# --------------------------------------------------------------------------------------- names
def sanitize_name(name: str, *, max_len: int = 80) -> str:
    """A scenario name made safe as one path component.

    Every character outside ``[A-Za-z0-9._+-]`` becomes ``-`` (so ``/``, ``\\``, NUL, spaces and
    control characters cannot make a path), leading dots and dashes are dropped (no ``..``, no
    hidden files, no option-like names), runs of ``-`` collapse, the result is cut to ``max_len``
    characters and never empty (``"scenario"``).
    """
    s = re.sub(r"[^A-Za-z0-9._+-]", "-", str(name))
    s = re.sub(r"-{2,}", "-", s)
    s = re.sub(r"\.{2,}", ".", s)
    s = s.lstrip(".-")[:max_len].rstrip(".-")
    return s or "scenario"


def _umask() -> int:
    m = os.umask(0o022)
    os.umask(m)
    return m


def _apply_umask(path: Path, mode: int = 0o777) -> None:
    os.chmod(path, mode & ~_umask())


# ----------------------------------------------------------------------------------- checking
def is_iadsim_result(path: Path) -> bool:
    """True when ``path`` is a directory holding an iadsim ``manifest.json``.

    Accepted: the :data:`MARKER` key (written by this version), or a run manifest of earlier
    versions (``iadsim_version`` and ``scenario_sha256``).
    """
    m = path / "manifest.json"
    try:
        if not m.is_file() or m.stat().st_size > 50_000_000:
            return False
        doc = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(doc, dict):
        return False
    return MARKER in doc or ("iadsim_version" in doc and "scenario_sha256" in doc)


def _refused_reason(out: Path) -> str | None:
    try:
        res = out.expanduser().resolve()
    except (OSError, RuntimeError) as exc:
        return f"a path that cannot be resolved ({exc})"
    if res == Path(res.anchor):
        return "the filesystem root"
    if res.parent == Path(res.anchor):
        return "a top-level directory of the filesystem"
    cwd = Path.cwd().resolve()
    if res == cwd or res in cwd.parents:
        return "the working directory or one of its parents"
    home = Path.home().resolve()
    if res == home or res in home.parents:
        return "the home directory or one of its parents"
    if res.exists() and os.path.ismount(res):
        return "a mount point (it cannot be replaced atomically)"
    return None


def _stale_siblings(out: Path) -> list[Path]:
    parent = out.parent
    try:
        return [p for p in parent.iterdir() if p.name.startswith(f".{out.name}{_TMP_TAG}") or p.name.startswith(f".{out.name}{_OLD_TAG}")]
    except OSError:
        return []


def _recover(out: Path) -> None:
    """Finish or undo a replacement that a crash interrupted (fallback path only).

    If the target is missing but a kept-aside previous result exists, put it back; then remove
    leftover temporary directories of writers that are no longer running.
    """
    for p in _stale_siblings(out):
        tag_old = p.name.startswith(f".{out.name}{_OLD_TAG}")
        pid = _pid_of(p.name)
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue
        if tag_old and not out.exists() and is_iadsim_result(p):
            try:
                os.rename(p, out)
                continue
            except OSError:
                pass
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                p.unlink()  # a probe file of a killed writer
            except OSError:
                pass


def _pid_of(name: str) -> int | None:
    m = re.search(r"iadsim-(?:tmp|old)-(\d+)-", name)
    return int(m.group(1)) if m else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_output(out_dir: str | Path, *, overwrite: bool = False, option: str = "--out") -> Path:
    """Check an output directory before any work starts; return it as a :class:`Path`.

    Raises :class:`~iadsim.errors.InputError` (exit 2) when the target is refused, exists as a
    file, is a non-empty directory that is not an iadsim result (without ``overwrite``), or when
    its parent cannot be created or written (checked by creating and removing a probe file).
    """
    if str(out_dir).strip() == "":
        raise InputError(f"{option} '' is an empty path; give a new or an iadsim results directory")
    out = Path(out_dir).expanduser()
    why = _refused_reason(out)
    if why is not None:
        raise InputError(f"{option} {str(out_dir)!r} is {why}; give a new or an iadsim results directory")
    if out.is_symlink():
        raise InputError(f"{option} {out} is a symbolic link; give the directory itself")
    if out.exists() and not out.is_dir():
        raise InputError(f"{option} {out} exists and is not a directory")
    if out.is_dir() and not overwrite:
        try:
            empty = not any(out.iterdir())
        except OSError as exc:
            raise InputError(f"{option} {out}: cannot list the directory ({exc.strerror or exc})") from None
        if not empty and not is_iadsim_result(out):
            raise InputError(
                f"{option} {out} is a non-empty directory that is not an iadsim result (no iadsim manifest.json); "
                "iadsim will not replace it. Choose another directory, or pass --overwrite to replace it and everything in it"
            )
    parent = out.parent
    for anc in [parent, *parent.parents]:
        if anc.exists() or anc.is_symlink():
            if not anc.is_dir():
                raise InputError(f"{option} {out}: {anc} exists and is not a directory")
            break
    try:
        _makedirs(parent)
    except OSError as exc:
        raise InputError(f"{option} {out}: cannot create {parent} ({exc.strerror or exc})") from None
    probe = parent / f".{out.name}{_TMP_TAG}{os.getpid()}-probe-{uuid.uuid4().hex[:8]}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, b"probe")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(f"{option} {out}: {parent} is not writable ({exc.strerror or exc})") from None
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    return out


def _makedirs(path: Path) -> None:
    """``mkdir -p`` with the user's umask (``os.makedirs`` already honours it)."""
    if str(path) in ("", "."):
        return
    os.makedirs(path, exist_ok=True)


# ------------------------------------------------------------------------------------ writing
def write_marker_manifest(directory: Path, kind: str, extra: dict[str, Any] | None = None) -> None:
    """Write ``manifest.json`` with the :data:`MARKER` key (``{"kind": kind}``) and ``extra``."""
    import iadsim

    doc: dict[str, Any] = {MARKER: {"kind": kind, "format": 1}, "iadsim_version": iadsim.__version__}
    doc.update(extra or {})
    (directory / "manifest.json").write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2: Any = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False when unsupported."""
    global _renameat2
    if _renameat2 is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            fn = libc.renameat2
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            fn.restype = ctypes.c_int
            _renameat2 = fn
        except (OSError, AttributeError):
            _renameat2 = False
    if _renameat2 is False:
        return False
    rc = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    e = ctypes.get_errno()
    if e in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(e, os.strerror(e), str(b))


def _swap_into_place(tmp: Path, out: Path) -> None:
    parent = out.parent if str(out.parent) else Path(".")
    if out.exists():
        if _exchange(tmp, out):  # out ← new, tmp ← old, in one step
            shutil.rmtree(tmp, ignore_errors=True)
            _fsync_dir(parent)
            return
        old = parent / f".{out.name}{_OLD_TAG}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)
    _fsync_dir(parent)


@contextmanager
def atomic_output(out_dir: str | Path, *, overwrite: bool = False, option: str = "--out") -> Iterator[Path]:
    """Yield a fresh temporary directory; on success move it to ``out_dir`` in one step.

    The caller writes every file into the yielded directory (including ``manifest.json`` with
    :func:`write_marker_manifest` or a run manifest). On any exception — including
    ``KeyboardInterrupt`` — the temporary directory is removed and ``out_dir`` is untouched.
    :func:`prepare_output` runs again first (the caller should also call it before the work, so
    that a bad target fails before minutes of computing).
    """
    out = prepare_output(out_dir, overwrite=overwrite, option=option)
    parent = out.parent if str(out.parent) else Path(".")
    _recover(out)
    tmp = parent / f".{out.name}{_TMP_TAG}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        os.mkdir(tmp)
        _apply_umask(tmp)
    except OSError as exc:
        raise InputError(f"{option} {out}: cannot create a temporary directory in {parent} ({exc.strerror or exc})") from None
    try:
        yield tmp
        _fsync_tree(tmp)
        try:
            _swap_into_place(tmp, out)
        except OSError as exc:
            raise InputError(f"{option} {out}: cannot move the result into place ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
