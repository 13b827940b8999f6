"""`fieldwright serve`: fire the store's schedules headless until SIGTERM or SIGINT."""

from __future__ import annotations

import gc
import os
import signal
import threading
from types import FrameType

import click

from fieldwright.cli._common import database_option, reported_errors
from fieldwright.service import configure_logging, serve_schedules

__all__ = ["EXIT_FORCED", "serve"]

#: The exit code when a second signal cut the graceful stop short.
EXIT_FORCED = 130


@click.command()
@database_option
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
@click.option(
    "--drain-timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds running runs get to stop when asked to.",
)
@click.option(
    "--health-port",
    type=click.IntRange(min=1, max=65535),
    default=None,
    help="Serve the monitoring summary as JSON on http://127.0.0.1:PORT/health "
    "(200 healthy, 503 failing; ?window=7d).",
)
def serve(url: str | None, log_level: str, drain_timeout: float, health_port: int | None) -> None:
    """Run the scheduler headless: fire every active schedule of the store.

    Only one process fires at a time: a second `serve` (or the desktop app)
    on the same store waits in standby and takes over if the first stops.
    SIGTERM or SIGINT stops gracefully: no new fire is taken, running runs are
    cancelled (their targets untouched) and recorded as cancelled within
    --drain-timeout seconds, the lock is released. A second signal exits at
    once. Exit code 0 after a clean stop, 2 when the store cannot be opened,
    130 after a second signal.
    """
    configure_logging(log_level)
    # Everything imported so far lives as long as the process: keep it out of the
    # garbage collector's sweeps, whose pauses otherwise grow with the import graph.
    gc.freeze()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():  # a second signal: the operator will not wait for the drain
            click.echo(
                f"stopping now ({name} again); runs in flight are left as they are", err=True
            )
            os._exit(EXIT_FORCED)
        click.echo(f"stopping ({name}); a second {name} stops at once…", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with reported_errors():
            serve_schedules(
                url, stop_event=stop, drain_timeout=drain_timeout, health_port=health_port
            )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
