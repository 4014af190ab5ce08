"""What a book build executes: ``book/book.toml`` (or a smaller one for CI).

Example::

    [execute]
    timeout = 300          # limit for one workbook [s]
    workers = 0            # parallel kernels; 0: one per CPU core

    [workbooks]
    include = ["*"]        # glob patterns under workbooks/ (".ipynb" implied)

    [params]               # overrides for every workbook that declares the name
    size = "tiny"

    [params."network/02-time-on-air"]
    interactive = true     # this chapter keeps its widgets (saved widget state)

    [sphinx]
    api = true             # the API reference (sphinx-autoapi)
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BookConfig", "ConfigError", "load_config"]

#: Default limit for one workbook [s] (the conventions ask for under 60 s each).
DEFAULT_TIMEOUT = 300.0


class ConfigError(ValueError):
    """The book configuration file is malformed."""


@dataclass(frozen=True)
class BookConfig:
    """A book build's settings.

    Attributes
    ----------
    root : Path
        The repository root (holds ``workbooks/`` and ``book/``).
    include : tuple of str
        Glob patterns of workbooks (relative to ``workbooks/``, without ``.ipynb``).
    params : dict
        Overrides for every workbook that declares the parameter.
    per_workbook : dict
        ``relative name -> overrides`` for one workbook.
    timeout : float
        Limit for one workbook. [s]
    workers : int
        Parallel kernels (0: ``os.cpu_count()``).
    api : bool
        Whether to build the API reference.
    """

    root: Path
    include: tuple[str, ...] = ("*",)
    params: dict[str, Any] = field(default_factory=dict)
    per_workbook: dict[str, dict[str, Any]] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT
    workers: int = 0
    api: bool = True

    @property
    def n_workers(self) -> int:
        """Parallel kernels to use (at least 1)."""
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    def workbooks(self) -> list[Path]:
        """The workbooks to execute, sorted, as paths under ``root / "workbooks"``."""
        base = self.root / "workbooks"
        found = sorted(p for p in base.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        names = {p: p.relative_to(base).with_suffix("").as_posix() for p in found}
        picked = [p for p in found if any(fnmatch.fnmatch(names[p], g) for g in self.include)]
        unmatched = [
            g for g in self.include if not any(fnmatch.fnmatch(n, g) for n in names.values())
        ]
        if unmatched:
            raise ConfigError(
                f"workbook patterns {unmatched} match nothing under {base}; "
                f"known workbooks: {sorted(names.values())}."
            )
        return picked

    def overrides(self, name: str, declared: set[str]) -> dict[str, Any]:
        """Parameters for workbook ``name`` (relative, no suffix) among ``declared`` names.

        Global overrides apply only where the workbook declares the name; per-workbook
        overrides must name declared parameters.

        Raises
        ------
        ConfigError
            If a per-workbook override names a parameter the workbook does not declare.
        """
        out = {k: v for k, v in self.params.items() if k in declared}
        own = self.per_workbook.get(name, {})
        unknown = sorted(set(own) - declared)
        if unknown:
            raise ConfigError(
                f'[params."{name}"] sets {unknown}, which the workbook does not declare; '
                f"it declares {sorted(declared)}."
            )
        return out | own


def load_config(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> BookConfig:
    """Read a book configuration (TOML).

    Parameters
    ----------
    path : path-like
        The TOML file (``book/book.toml``).
    root : path-like
        The repository root.

    Raises
    ------
    ConfigError
        For an unknown section or key, or a value of the wrong type.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"book configuration {str(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"execute", "workbooks", "params", "sphinx"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown sections {unknown}; expected execute, workbooks, params, sphinx."
        )
    execute = data.get("execute", {})
    params = dict(data.get("params", {}))
    per = {k: params.pop(k) for k in [k for k, v in params.items() if isinstance(v, dict)]}
    include = data.get("workbooks", {}).get("include", ["*"])
    if not isinstance(include, list) or not all(isinstance(g, str) for g in include):
        raise ConfigError(f"{path}: [workbooks] include must be a list of glob strings.")
    timeout = execute.get("timeout", DEFAULT_TIMEOUT)
    workers = execute.get("workers", 0)
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(f"{path}: [execute] timeout must be a positive number of seconds.")
    if not isinstance(workers, int) or workers < 0:
        raise ConfigError(f"{path}: [execute] workers must be an integer >= 0 (0: all cores).")
    return BookConfig(
        root=Path(root),
        include=tuple(include),
        params=params,
        per_workbook=per,
        timeout=float(timeout),
        workers=workers,
        api=bool(data.get("sphinx", {}).get("api", True)),
    )
