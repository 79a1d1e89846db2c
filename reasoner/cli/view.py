"""``reasoner view``: browse run directories in a web page, served locally or written to a file."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click

from evals.run import HEADER, SAMPLES, EvalError
from evals.viewer import build_page
from reasoner.cli.app import main
from reasoner.cli.common import err_console, fail, sigterm_as_interrupt

HOST = "127.0.0.1"
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "form-action 'none'; base-uri 'none'")

Signature = tuple[tuple[int, int] | None, ...]


class Page:
    """The viewer page of some run directories, rebuilt when one of their files changes,
    so reloading the page shows the samples a run still in progress has added since."""

    def __init__(self, run_dirs: Sequence[Path], *, plot: bool = True) -> None:
        self.run_dirs = list(run_dirs)
        self.plot = plot
        self._lock = threading.Lock()
        self._signature: Signature | None = None
        self._body = b""

    def signature(self) -> Signature:
        stamps: list[tuple[int, int] | None] = []
        for run in self.run_dirs:
            for name in (HEADER, SAMPLES):
                try:
                    stat = (run / name).stat()
                except OSError:
                    stamps.append(None)
                else:
                    stamps.append((stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def body(self) -> bytes:
        with self._lock:
            signature = self.signature()
            if signature != self._signature:
                try:
                    self._body = build_page(self.run_dirs, plot=self.plot).encode("utf-8")
                except EvalError:
                    if not self._body:
                        raise
                    # a run being rewritten (rescore): keep showing the last good page
                else:
                    self._signature = signature
            return self._body


class _Handler(BaseHTTPRequestHandler):
    page: Page
    server_version = "reasoner-view"

    def _send(self, head_only: bool) -> None:
        if self.path.split("?", 1)[0] not in ("/", "/index.html"):
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        try:
            body = self.page.body()
        except EvalError as exc:
            self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, explain=str(exc))
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(head_only=False)

    def do_HEAD(self) -> None:
        self._send(head_only=True)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no access log on the terminal


def make_server(page: Page, port: int = 0) -> ThreadingHTTPServer:
    """A server for ``page`` on 127.0.0.1 (port 0: a free one); ``serve_forever`` runs it."""
    handler = type("ViewHandler", (_Handler,), {"page": page})
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"


@main.command("view")
@click.argument("run_dirs", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the page to this HTML file (self-contained, works offline) and exit instead of serving.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=0,
              help="Port to serve on, on 127.0.0.1; 0 picks a free one.")
@click.option("--no-plot", is_flag=True, help="Leave out the accuracy plot (no matplotlib needed, builds faster).")
def view_command(run_dirs: tuple[Path, ...], out: Path | None, port: int, no_plot: bool) -> None:
    """Browse RUN_DIRS: accuracy per task and strategy, the samples with filters, and each item's
    strategies side by side with their programs, results and answers.

    Serves the page on 127.0.0.1 and prints its URL (Ctrl-C stops), or with --out writes it
    to a file. The page loads nothing from the network.
    """
    page = Page(run_dirs, plot=not no_plot)
    try:
        body = page.body()
    except EvalError as exc:
        fail(str(exc))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(body)
        err_console.print(f"page written to {out} ({len(body) // 1024} KiB)", highlight=False)
        return
    try:
        server = make_server(page, port)
    except OSError as exc:
        fail(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}")
    click.echo(server_url(server))
    err_console.print(f"serving {len(run_dirs)} run(s); Ctrl-C stops", highlight=False)
    try:
        with sigterm_as_interrupt():
            server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        err_console.print("stopped", highlight=False)
    finally:
        server.server_close()
