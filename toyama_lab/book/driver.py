"""The whole book build: datasets, executed workbooks, offline files, Sphinx, handouts.

Folders (all under ``book/_build``, git-ignored):

- ``<lang>/executed/``: the executed, tagged copies and the cache ``index.json``;
- ``<lang>/src/``: the staged Sphinx source tree: ``book/``'s pages, the generated
  reference pages, and ``workbooks/`` holding the executed copies with each theme's
  ``index.md`` (a hidden table of contents of its notebooks is appended, so a new
  theme folder or workbook appears in the book without editing any toc);
- ``html/`` (``ja``) or ``html-en/``: the site; ``handouts/`` in it: one page per
  staff session with the challenges and without solutions or facilitator notes;
- ``node/``, ``assets/``: the offline files (:mod:`toyama_lab.book.assets`).

Files are staged only when their bytes change, and Sphinx is skipped when the
staged tree, the configuration and the offline files are all unchanged since the
last successful build, so a build with nothing changed takes seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from toyama_lab._atomic import write_text_atomic
from toyama_lab.book import assets
from toyama_lab.book.config import BookConfig
from toyama_lab.book.execute import Outcome, execute_all, plan_jobs, prebuild_datasets, read_index
from toyama_lab.book.tags import sources_note

__all__ = ["LANGS", "BuildError", "BuildResult", "build", "handout_text", "html_dir", "stage"]

#: Languages of the book (the workbooks' ``lang`` parameter and the front pages).
LANGS = ("ja", "en")
#: Book files that are not pages of the site.
_NOT_PAGES = {"README.md", "conf.py", "package.json", "package-lock.json", "book.toml", "ci.toml"}


class BuildError(RuntimeError):
    """Sphinx failed (the message holds the end of its log)."""


@dataclass
class BuildResult:
    """What a build did.

    Attributes
    ----------
    html : Path
        The site's ``index.html``.
    outcomes : list of Outcome
        One per workbook (``cached``, ``ok``).
    sphinx_ran : bool
        False when nothing had changed since the last build.
    seconds : dict
        Wall time per step. [s]
    """

    html: Path
    outcomes: list[Outcome]
    sphinx_ran: bool
    seconds: dict[str, float]


def html_dir(build_dir: str | os.PathLike[str], lang: str) -> Path:
    """The site folder of ``lang`` in a build folder: ``html`` (ja) or ``html-en``."""
    return Path(build_dir) / ("html" if lang == "ja" else f"html-{lang}")


def _put(path: Path, data: bytes, staged: set[Path]) -> None:
    staged.add(path)
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _theme_index(text: str, entries: list[str], title: str | None = None) -> str:
    block = "\n".join(["", "```{toctree}", ":hidden:", ":maxdepth: 1", "", *entries, "```", ""])
    return (text if text.strip() else f"# {title}\n") + block


def stage(
    root: str | os.PathLike[str],
    lang: str,
    executed: dict[str, Path],
    src: str | os.PathLike[str],
    generated: dict[str, str] | None = None,
) -> Path:
    """Assemble the Sphinx source tree ``src`` (only changed files are rewritten).

    Parameters
    ----------
    root : path-like
        The repository root.
    lang : {"ja", "en"}
        Pages in ``book/en/`` replace the same page of ``book/`` for ``en``.
    executed : dict
        ``workbook name -> executed copy`` (names relative to ``workbooks/``).
    src : path-like
        The staged tree (created; files no longer staged are removed).
    generated : dict, optional
        ``relative path -> MyST text`` of generated pages.

    Returns
    -------
    Path
        ``src``.
    """
    root, src = Path(root), Path(src)
    book = root / "book"
    staged: set[Path] = set()
    for path in sorted(book.rglob("*")):
        rel = path.relative_to(book)
        if (
            not path.is_file()
            or rel.parts[0] in ("_build", "node_modules", "en")
            or rel.as_posix() in _NOT_PAGES
            or "__pycache__" in rel.parts
        ):
            continue
        if lang != "ja" and (book / "en" / rel).is_file():
            path = book / "en" / rel
        _put(src / rel, path.read_bytes(), staged)
    for rel, text in (generated or {}).items():
        _put(src / rel, text.encode(), staged)
    # the executed workbooks and their themes' landing pages
    wb = root / "workbooks"
    folders: dict[str, list[str]] = {}
    for name, path in sorted(executed.items()):
        nb = json.loads(path.read_text(encoding="utf-8"))
        nb["cells"].append(sources_note(name, lang))
        text = json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        _put(src / "workbooks" / f"{name}.ipynb", text.encode(), staged)
        folder, _, stem = name.rpartition("/")
        folders.setdefault(folder, []).append(stem)
    themes = sorted(f for f in folders if f)
    for folder, stems in folders.items():
        index = wb / folder / "index.md"
        text = index.read_text(encoding="utf-8") if index.is_file() else ""
        entries = stems + ([f"{t}/index" for t in themes] if folder == "" else [])
        _put(
            src / "workbooks" / folder / "index.md",
            _theme_index(text, entries, folder).encode(),
            staged,
        )
    if "" not in folders:
        text = (wb / "index.md").read_text(encoding="utf-8")
        entries = [f"{t}/index" for t in themes]
        _put(src / "workbooks" / "index.md", _theme_index(text, entries).encode(), staged)
    for path in sorted(src.rglob("*"), reverse=True):
        if path.is_file() and path not in staged:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return src


def _tree_digest(*folders: Path, extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for folder in folders:
        for path in [folder] if folder.is_file() else sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _sphinx(
    src: Path,
    out: Path,
    doctrees: Path,
    conf: Path,
    env: dict[str, str],
    extra: list[str],
) -> None:
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(conf)]
    cmd += ["-d", str(doctrees), *extra, str(src), str(out)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildError(f"sphinx failed ({' '.join(cmd)}):\n{(done.stdout + done.stderr)[-4000:]}")
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    if warnings:
        print(f"book: sphinx reported {len(warnings)} warning(s); first ones:")
        for line in warnings[:10]:
            print("   ", line)


#: Heading of the facilitator notes: the handout keeps a session page up to it.
FACILITATOR_HEADING = "## ファシリテーターノート"


def handout_text(page: str) -> str:
    """A staff session page for the handout: everything before the facilitator notes.

    The notes (set-up, answers to discussions and to the five-question check) are the
    last section of every session page; solutions are hidden by the handout build's
    ``hide_solutions`` (sphinx-exercise).

    Raises
    ------
    ValueError
        If the page has no facilitator-notes heading (the handout would give answers away).
    """
    head, sep, _ = page.partition("\n" + FACILITATOR_HEADING)
    if not sep:
        raise ValueError(
            f"a staff session page has no {FACILITATOR_HEADING!r} section; every session "
            "ends with its facilitator notes (see book/staff/session-1.md)."
        )
    # links to other pages of the book do not exist in the handout build: keep their text
    head = _PAGE_LINK.sub(lambda m: m.group(1), head)
    return head.rstrip() + "\n"


_PAGE_LINK = re.compile(r"\[([^\]]+)\]\((?!https?:)[^)\s]+\.(?:md|ipynb)(?:#[^)]*)?\)")


def _handout_tree(src: Path, out: Path) -> Path:
    """The staff sessions alone, for the handout build (challenges, no solutions)."""
    staged: set[Path] = set()
    staff = sorted((src / "staff").glob("session-*.md"))
    for page in staff:
        text = handout_text(page.read_text(encoding="utf-8"))
        _put(out / "staff" / page.name, text.encode(), staged)
    for name in ("references.bib", "_static/book.css"):
        if (src / name).is_file():
            _put(out / name, (src / name).read_bytes(), staged)
    index = "# 配布資料 (課題のみ、解答なし)\n\n印刷して使います (A4)。\n\n"
    index += "```{toctree}\n:maxdepth: 1\n\n"
    index += "".join(f"staff/{p.stem}\n" for p in staff) + "```\n\n"
    index += "## 出典\n\n```{bibliography}\n```\n"
    _put(out / "index.md", index.encode(), staged)
    for path in sorted(out.rglob("*"), reverse=True):
        if path.is_file() and path not in staged:
            path.unlink()
    return out


def build(
    config: BookConfig,
    lang: str = "ja",
    *,
    handouts: bool = True,
    build_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] = print,
) -> BuildResult:
    """Build the book: datasets, workbooks (cached, parallel), offline files, Sphinx.

    Parameters
    ----------
    config : BookConfig
        What to execute (:func:`toyama_lab.book.config.load_config`).
    lang : {"ja", "en"}
        Language of the workbooks' output and of the front pages.
    handouts : bool
        Also build the per-session handouts (``handouts/`` in the site).
    build_dir : path-like, optional
        Where the executed copies, the staged tree and the site go; default
        ``book/_build`` (the npm install stays in ``book/_build/node``, shared).
    progress : callable
        Receives progress lines.

    Returns
    -------
    BuildResult

    Raises
    ------
    ValueError
        For an unknown ``lang``.
    toyama_lab.book.execute.ExecutionError
        If a workbook failed (naming the notebook and the cell); no HTML is written.
    BuildError
        If Sphinx failed.
    """
    from toyama_lab.book.dictionary import generated_pages

    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {LANGS}; use LANG=ja or LANG=en.")
    root = Path(config.root)
    book = root / "book"
    build_dir = Path(build_dir) if build_dir is not None else book / "_build"
    work = build_dir / lang
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    ipython_dir = work / "ipython"
    assets.write_startup(ipython_dir)
    jobs = plan_jobs(config, lang, work / "executed")
    prebuild_datasets(jobs, read_index(work / "executed"), progress)
    times["datasets"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    outcomes = execute_all(
        jobs,
        work / "executed",
        ipython_dir,
        timeout=config.timeout,
        workers=config.n_workers,
        progress=progress,
    )
    times["workbooks"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    node = assets.install_npm(book, book / "_build" / "node")
    static = assets.static_files(node, build_dir / "assets")
    src = stage(
        root,
        lang,
        {j.name: j.output for j in jobs},
        work / "src",
        generated_pages(lang),
    )
    out = html_dir(build_dir, lang)
    env = os.environ | {
        "TOYAMA_LAB_BOOK_LANG": lang,
        "TOYAMA_LAB_BOOK_API": "1" if config.api else "0",
        "TOYAMA_LAB_BOOK_ASSETS": str(static),
    }
    stamp = work / "sphinx.stamp"
    digest = _tree_digest(src, static, book / "conf.py", extra=f"{lang}{config.api}{handouts}")
    # the package feeds the API pages and the numbers of the prose (facts.py)
    digest = hashlib.sha256((digest + _tree_digest(root / "toyama_lab")).encode()).hexdigest()
    ran = not (stamp.is_file() and stamp.read_text() == digest and (out / "index.html").is_file())
    if ran:
        progress(f"book: sphinx -> {out}")
        _sphinx(src, out, work / "doctrees", book, env, ["-j", str(config.n_workers)])
        if handouts:
            tree = _handout_tree(src, work / "handout-src")
            progress("book: handouts (challenges without solutions)")
            _sphinx(
                tree,
                out / "handouts",
                work / "handout-doctrees",
                book,
                env | {"TOYAMA_LAB_BOOK_API": "0"},
                ["-t", "handout", "-D", "hide_solutions=1"],
            )
        write_text_atomic(stamp, digest)
    else:
        progress("book: nothing changed since the last build; sphinx skipped")
    times["sphinx"] = time.perf_counter() - t2
    times["total"] = time.perf_counter() - t0
    index = out / "index.html"
    progress(f"book: done in {times['total']:.1f} s; open {index.resolve().as_uri()}")
    return BuildResult(index, outcomes, ran, times)


def main(argv: list[str] | None = None) -> int:
    """``python -m toyama_lab.book [--lang ja|en] [--config book/book.toml]``."""
    import argparse

    from toyama_lab.book.config import ConfigError, load_config
    from toyama_lab.book.execute import ExecutionError

    parser = argparse.ArgumentParser(prog="python -m toyama_lab.book", description=__doc__)
    parser.add_argument("--lang", default="ja", choices=LANGS)
    parser.add_argument("--config", default=None, help="TOML file (default book/book.toml)")
    parser.add_argument("--root", default=None, help="repository root (default: this checkout)")
    parser.add_argument("--no-handouts", action="store_true")
    args = parser.parse_args(argv)
    root = Path(args.root) if args.root else Path(__file__).resolve().parents[2]
    config_path = Path(args.config) if args.config else root / "book" / "book.toml"
    try:
        config = load_config(config_path, root)
        build(config, args.lang, handouts=not args.no_handouts)
    except (ConfigError, ExecutionError, BuildError, assets.AssetError) as exc:
        print(f"book: FAILED\n{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
