"""A student's path in a real browser: JupyterLab (or Notebook 7) on 127.0.0.1, driven by Chromium.

Helpers for ``tests/test_live_lab.py`` and ``bench/live_redraw.py``:

- :class:`JupyterServer`: ``jupyter lab`` started as the current user (root too:
  ``allow_root``) on ``127.0.0.1``, a free port and a random token; it serves JupyterLab 4
  (``/lab``) and Jupyter Notebook 7 (``/notebooks``) from one server, with its own
  settings, workspace and runtime folders (a clean profile, nothing written to ``~``), the
  news and update checks off, and windowing off (every cell stays in the page, so every
  figure can be read); stopped (process group) when the ``with`` block ends;
- :func:`workbook_copy`: a workbook copied into the server's folder with some parameter
  literals replaced (e.g. ``size = "tiny"``), so the repository's notebooks are never saved over;
- :class:`Browser`: Playwright for Python on the system Chromium (no browser download), every
  request to a host other than ``127.0.0.1`` aborted and recorded, console errors recorded;
- :class:`Notebook`: one open notebook: run all, wait for the kernel, cell errors, the
  plotly figures' SVG, the widget controls, the Log Console, screenshots; and
  :meth:`Notebook.change_and_wait`, which changes a control and measures the time until the
  figure it drives is drawn again (the SVG differs), inside the page.

Nothing here reaches the network: the server listens on loopback, and the browser refuses
every other host (``--host-resolver-rules`` and a Playwright route that aborts the request).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: The address every server listens on (loopback only).
HOST = "127.0.0.1"
#: Chromium flags: headless as root in a container, no GPU, no background traffic, and every
#: host name except the loopback address resolves to "not found".
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}",
)
#: User settings of the served app: no news or update checks (they would fetch from the
#: internet), and no notebook windowing (off-screen cells stay in the DOM, so every
#: figure can be read and every output is drawn).
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
#: Limit for the server to answer ``/api/status``. [s]
START_TIMEOUT = 60


def free_port() -> int:
    """A TCP port on the loopback address that is free now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def workbook_copy(src: Path, dest_dir: Path, **literals) -> Path:
    """Copy a workbook into ``dest_dir``, replacing parameter literals.

    Parameters
    ----------
    src : Path
        The workbook.
    dest_dir : Path
        Folder to copy into (the server's root).
    **literals
        ``name=value``: the parameters-cell line ``name: type = ...`` gets ``repr(value)``.

    Raises
    ------
    KeyError
        If a name is not a line of the parameters cell.
    """
    nb = json.loads(src.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    source = "".join(cell["source"])
    for name, value in literals.items():
        pattern = re.compile(rf"^({name}: \w+ = ).+?(  # .*)$", re.M)
        if not pattern.search(source):
            raise KeyError(f"{src.name}: no parameter line for {name!r} in the parameters cell")
        value_text = json.dumps(value) if isinstance(value, str) else repr(value)
        source = pattern.sub(lambda m, v=value_text: m[1] + v + m[2], source)
    cell["source"] = source
    dest = dest_dir / src.name
    dest.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return dest


@dataclass
class JupyterServer:
    """``jupyter lab`` on the loopback address with a token (JupyterLab 4 and Notebook 7).

    Parameters
    ----------
    root : Path
        Folder the server serves (and where its kernels start).
    """

    root: Path
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    log: Path | None = None
    _proc: subprocess.Popen | None = None
    _home: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def page(self, path: str, ui: str = "lab") -> str:
        """URL of a notebook in JupyterLab (``ui="lab"``) or Notebook 7 (``"notebook"``)."""
        prefix = {"lab": "lab/tree", "notebook": "notebooks"}[ui]
        return f"{self.url}/{prefix}/{path}?token={self.token}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--ServerApp.ip={HOST}",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.expose_app_in_browser=True",
            "--JupyterNotebookApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]

    def __enter__(self) -> JupyterServer:
        home = self._home = Path(tempfile.mkdtemp(prefix="jupyter-lab-"))
        settings = home / "settings"
        for rel, value in SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value), encoding="utf-8")
        env = os.environ | {
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_CONFIG_DIR": str(home / "config"),
        }
        env.pop("TOYAMA_LAB_PLOTLY_RENDERER", None)  # the lab's own renderer, as a student's
        self.log = home / "server.log"
        with self.log.open("wb") as log:
            self._proc = subprocess.Popen(
                self.command(), env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise TimeoutError(f"jupyter lab did not answer in {START_TIMEOUT} s")

    def __exit__(self, *exc) -> None:
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)  # the server and the kernels it started
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=15)
        if self._home is not None and exc and exc[0] is None:  # keep the log after a failure
            shutil.rmtree(self._home, ignore_errors=True)


class Browser:
    """Headless system Chromium through Playwright; only ``127.0.0.1`` is reachable.

    Attributes
    ----------
    blocked : list of str
        Every request to another host (aborted).
    console_errors : list of str
        Console messages of type ``error`` from any page.
    """

    def __init__(self, executable: str, viewport=(1280, 900)):
        from playwright.sync_api import sync_playwright

        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        self.context = self._browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale="ja-JP"
        )
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:")) or host == HOST:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, server: JupyterServer, path: str, ui: str = "lab") -> Notebook:
        """Open a notebook in a new tab of JupyterLab (``ui="lab"``) or Notebook 7."""
        page = self.context.new_page()
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.goto(server.page(path, ui))
        return Notebook(page, ui)

    def close(self) -> None:
        self._browser.close()
        self._pw.stop()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: JavaScript: the current notebook panel of the app (Lab or Notebook 7).
_PANEL = "window.jupyterapp.shell.currentWidget"


@dataclass
class Notebook:
    """One notebook open in the app."""

    page: object
    ui: str

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Wait until the app is up, the notebook panel is current and its kernel idle."""
        self.page.wait_for_function(
            f"""() => {{
              const p = window.jupyterapp && {_PANEL};
              const k = p && p.sessionContext && p.sessionContext.session
                && p.sessionContext.session.kernel;
              return !!(k && k.status === 'idle' && p.content && p.content.widgets.length);
            }}""",
            timeout=timeout_s * 1000,
        )

    def run_all(self, timeout_s: float = 120) -> float:
        """Run all cells (the app's own command); wait until the kernel is idle and no cell
        is queued or running (two polls in a row). Returns the wall time. [s]"""
        t0 = time.perf_counter()
        self.page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_function(
            f"""() => {{
              const p = {_PANEL};
              const busy = p.sessionContext.session.kernel.status !== 'idle'
                || p.content.widgets.some(c => c.model.type === 'code'
                   && /\\*/.test(c.promptNode ? c.promptNode.textContent : ''));
              window.__settled = busy ? 0 : (window.__settled || 0) + 1;
              return window.__settled >= 2;
            }}""",
            timeout=timeout_s * 1000,
            polling=250,
        )
        return time.perf_counter() - t0

    def errors(self) -> list[str]:
        """``ename: evalue`` of every error output, and error-rendered outputs in the page."""
        return self.page.evaluate(
            f"""() => {{
              const out = [];
              for (const c of {_PANEL}.content.widgets) {{
                if (c.model.type !== 'code') continue;
                for (let i = 0; i < c.model.outputs.length; i++) {{
                  const o = c.model.outputs.get(i).toJSON();
                  if (o.output_type === 'error') out.push(o.ename + ': ' + o.evalue);
                  if (o.output_type === 'stream' && o.name === 'stderr'
                      && /Traceback|Error/.test(o.text)) out.push('stderr: ' + o.text);
                }}
              }}
              return out;
            }}"""
        )

    def figures(self) -> list[dict]:
        """Every plotly figure in the page: drawn, trace groups, SVG size, in a widget."""
        return self.page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')].map(d => ({
              svg: d.querySelectorAll('svg.main-svg').length,
              traces: d.querySelectorAll('g.trace').length,
              in_widget: !!d.closest('.widget-output, .jupyter-widgets-output-area'),
              width: d.getBoundingClientRect().width,
            }))"""
        )

    def widget_figure_count(self) -> int:
        return sum(f["in_widget"] for f in self.figures())

    def log_console_entries(self) -> list[str]:
        """What the Log Console holds (Lab only): opens it and reads its output area."""
        self.page.evaluate("window.jupyterapp.commands.execute('logconsole:open')")
        self.page.wait_for_selector(".jp-LogConsolePanel", timeout=10_000)
        return self.page.evaluate(
            """() => [...document.querySelectorAll(
                '.jp-LogConsolePanel .jp-OutputArea-child')].map(
                e => e.innerText.trim() + ' ' + (e.querySelector('.jp-OutputArea-output') || e)
                  .className + ' ' + e.textContent.slice(0, 300))"""
        )

    def controls(self, n: int) -> object:
        """The ``n``-th widget box (VBox of controls + figure) in the page."""
        return self.page.locator(".widget-vbox").nth(n)

    def change_and_wait(self, box_index: int, action, timeout_s: float = 30) -> dict:
        """Change a control of a widget box and wait until its figure is drawn differently.

        Parameters
        ----------
        box_index : int
            Which widget box (in page order).
        action : callable
            ``action(box_locator)``: the user's change (a key on a slider, a choice in a
            drop-down).
        timeout_s : float
            Limit. [s]

        Returns
        -------
        dict
            ``seconds`` from just before the change to the first animation frame in which
            the figure's drawing differs from before (``performance.now`` in the page);
            ``before``/``after``: the drawing's signature lengths. The signature is what
            plotly drew inside the trace groups (path shapes, marker positions, texts) and
            the legend and title texts, without element ids (a new plot has new ids even
            when it draws the same thing).

        Raises
        ------
        playwright Error
            If the drawing did not change within ``timeout_s``.
        """
        box = self.controls(box_index)
        box.scroll_into_view_if_needed()
        self.page.evaluate(
            """box => {
              const sig = () => {
                const d = box.querySelector('.js-plotly-plot');
                if (!d) return '';
                return [...d.querySelectorAll(
                  'g.trace path, g.trace text, text.legendtext, text.gtitle')].map(
                  e => (e.getAttribute('d') || '') + '@' + (e.getAttribute('transform') || '')
                    + '@' + e.textContent).join('|');
              };
              const before = sig();
              window.__redraw = {t0: null};
              window.__redraw.promise = new Promise(done => {
                const tick = () => {
                  const now = window.__redraw.t0 === null ? before : sig();
                  if (now && now !== before) {
                    done({seconds: (performance.now() - window.__redraw.t0) / 1000,
                          before: before.length, after: now.length});
                  } else requestAnimationFrame(tick);
                };
                requestAnimationFrame(tick);
              });
            }""",
            box.element_handle(),
        )
        self.page.evaluate("() => { window.__redraw.t0 = performance.now(); }")
        action(box)
        return self.page.evaluate(
            f"""() => Promise.race([window.__redraw.promise, new Promise((_, no) =>
                setTimeout(() => no(new Error('no redraw')), {timeout_s * 1000}))])"""
        )

    def screenshot(self, path: Path) -> Path:
        self.page.screenshot(path=str(path), full_page=True)
        return path
