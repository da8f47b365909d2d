"""Serving the app: Solara's Starlette application under uvicorn, on this machine only.

The page module is imported before the server listens, so the address printed is ready to
open. Solara's telemetry and its version check are off; its browser assets come from the
``solara-assets`` package (no CDN is reached).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from commsim.app import OUT_ENV, PAGES_MODULE
from commsim.errors import CommsimError

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: where Solara would fetch a browser file that solara-assets lacks: nowhere (it fails at once)
NO_CDN = f"http://{HOST}:9/"


class AppError(CommsimError):
    """The app cannot start (the port is taken, the output folder is unusable)."""


def bind(port: int, host: str = HOST) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one), or AppError."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise AppError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                       "choose another port") from None
    sock.listen(128)
    return sock


def prepare(out: Path | None = None) -> None:
    """Settings for Solara (before it is imported) and the page module, imported now."""
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AppError(f"--out {out}: cannot create the folder ({exc.strerror or exc})") from None
        os.environ[OUT_ENV] = str(out.resolve())
    # read by Solara's settings when first imported; set on the settings too, in case they were
    os.environ["SOLARA_APP"] = PAGES_MODULE
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_ASSETS_CDN"] = NO_CDN
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "False"
    warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)
    import solara.settings
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    settings.theme.show_banner = False
    settings.main.mode = "production"
    solara.settings.assets.cdn = NO_CDN
    __import__(PAGES_MODULE)


def serve(port: int = DEFAULT_PORT, out: Path | None = None, echo: Callable[[str], None] = print) -> None:
    """Run the app on 127.0.0.1:``port`` until stopped (Ctrl-C); ``echo`` gets the address
    once the server answers. ``out``: keep the explorer's runs there."""
    started = time.monotonic()
    sock = bind(port)
    prepare(out)
    import uvicorn

    config = uvicorn.Config("solara.server.starlette:app", log_level="warning", access_log=False, ws="auto")
    server = uvicorn.Server(config)
    url = f"http://{HOST}:{sock.getsockname()[1]}/"

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            echo(f"commsim app: open {url} (the policy explorer: {url}explorer); "
                 f"ready in {time.monotonic() - started:.1f} s; Ctrl-C stops it")

    threading.Thread(target=announce, name="commsim-app-announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
