"""Peak memory of `claimdesk run --once` under hostile feeds, all on 127.0.0.1 (issue 20, "Memory").

A server in a child process serves, at once: six feeds of 8 teaser entries each whose article pages are 4.9 MB of
HTML (full text on: every page is fetched and parsed by trafilatura), a 19 MB feed of 20,000 entries (just under
`fetch.max_mb`), a gzip bomb, a 50 MB body, a slow drip, a stalled server and a redirect loop. The real command
runs in a subprocess against it, and its peak resident set (the kernel's ru_maxrss for that child, from wait4)
is printed beside the target of 250 MB, with its peak until the extractor began loading its parser pipeline (read
from /proc when that log line comes). Its start-up alone (`--version`) is measured too, for scale. The run is
stopped cleanly after STOP_AFTER seconds (90; with --full STOP_AFTER_FULL, 600).

The pages' paragraphs differ from one another, as a real page's do (since 2026-12-06: a page of one paragraph
repeated is boilerplate to trafilatura's main extractor, so it measured its fallback extractors instead, and the
extractor then saw 200,000 characters of one sentence repeated).
"""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
TARGET_RSS_MB = 250.0
PAGE_FEEDS = 6
PAGES_PER_FEED = 8
PAGE_BYTES = 4_900_000
# the run is stopped (SIGINT, a clean stop) after this long: every feed has been fetched and parsed and the pages
# are being extracted and stored by then. To the end it would take hours: 20,000 entries, and 48 pages whose
# 200,000 characters hold ~3,000 claims each (about 20 s an article to store); --full stops after STOP_AFTER_FULL
STOP_AFTER = 90.0
STOP_AFTER_FULL = 600.0


def _page(n: int) -> bytes:
    # paragraphs that differ (as a real page's do): a page of one paragraph repeated is read by trafilatura's main
    # extractor as boilerplate, so its cost would be the fallback extractors' alone
    para = (
        "<p>Harbour officials said {} containers were moved off the northern quay on Monday, and the port "
        "director said berth {} would reopen before the weekend, weather permitting.</p>\n"
    )
    count = PAGE_BYTES // len(para.format(n * 100_000, 1000))
    body = "".join(para.format(n * 100_000 + i, i % 977) for i in range(count))
    return f"<html><head><title>Quay {n}</title></head><body><article><h1>Quay {n}</h1>{body}</article></body></html>".encode()


def _teasers(base: str, feed: int) -> bytes:
    items = "".join(
        f"<item><title>Quay {feed}-{i} cleared</title><guid>f{feed}-{i}</guid>"
        f"<link>{base}/page/{feed}/{i}</link><description>Containers moved off quay {feed}-{i}. Read more."
        "</description></item>"
        for i in range(PAGES_PER_FEED)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Pages {feed}</title>{items}</channel></rss>'.encode()


def _huge(n: int = 20_000) -> bytes:
    items = "".join(
        f"<item><title>Harbour note {i}</title><guid>h{i}</guid><description>"
        + ("The harbour board met again and said little that was new about the quay. " * 11)
        + "</description></item>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>{items}</channel></rss>'.encode()


def _serve(port: int) -> None:
    asyncio.run(_serve_async(port))


async def _serve_async(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    huge = _huge()
    bomb = gzip.compress(b"<rss>" + b" " * 200_000_000, 9)
    fifty = b"<rss>" + b"x" * 50_000_000

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/pages/"):
            return web.Response(
                body=_teasers(base, int(path.rsplit("/", 1)[1])), content_type="application/rss+xml"
            )
        if path.startswith("/page/"):
            return web.Response(body=_page(hash(path) & 0xFFFF), content_type="text/html")
        if path == "/huge":
            return web.Response(body=huge, content_type="application/rss+xml")
        if path == "/bomb":
            return web.Response(
                body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
            )
        if path == "/fifty":
            return web.Response(body=fifty, content_type="application/rss+xml")
        if path == "/loop":
            raise web.HTTPFound("/loop")
        if path in ("/drip", "/stall"):
            resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            await resp.prepare(request)
            try:
                for _ in range(60):
                    if path == "/drip":
                        await resp.write(b" ")
                    await asyncio.sleep(1)
            except ConnectionResetError:  # the client gave up on it, as it should
                pass
            return resp
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


def _config(folder: Path, base: str) -> Path:
    feeds = [(f"pages {f}", f"{base}/pages/{f}") for f in range(PAGE_FEEDS)]
    feeds += [(name, f"{base}/{name}") for name in ("huge", "bomb", "fifty", "loop", "drip", "stall")]
    text = (
        'sink = "jsonl"\n[database]\npath = "claimdesk.db"\n[jsonl]\npath = "alerts.jsonl"\n'
        '[fetch]\nallow = ["127.0.0.1"]\ntimeout = 20\nread_timeout = 10\n'
        + "".join(
            f'[[feeds]]\nname = "{n}"\nurl = "{u}"\nbackfill = 1000\nmax_age_hours = 0\n' for n, u in feeds
        )
        + '[[teams]]\nname = "desk"\nchannel = "port"\nkeywords = ["harbour", "quay"]\n'
    )
    path = folder / "claimdesk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _hwm_mb(pid: int) -> float:
    """The process's peak resident set so far (VmHWM), in MB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _peak_mb(
    args: list[str], cwd: Path, stop_after: float | None = None
) -> tuple[float, float, int, float | None]:
    """(peak RSS MB, seconds, exit status, peak RSS MB when the extractor began loading its parser pipeline or None)
    of `python -m bot ARGS` in its own process. Its log (-v) is read as it comes, for the pipeline's line. With
    `stop_after`, the process is sent SIGINT after that many seconds (a clean stop, as Ctrl-C)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    before_pipeline = None
    timer = threading.Timer(stop_after, proc.send_signal, (signal.SIGINT,)) if stop_after else None
    if timer:
        timer.start()
    assert proc.stderr is not None
    for line in proc.stderr:
        if before_pipeline is None and "loading its parser pipeline" in line:
            before_pipeline = _hwm_mb(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    if timer:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.perf_counter() - t0, proc.returncode, before_pipeline


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,), daemon=True)
    server.start()
    try:
        for _ in range(600):  # wait for the server (bounded)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        start_mb, _, _, _ = _peak_mb(["--version"], ROOT)
        with tempfile.TemporaryDirectory(prefix="claimdesk-hostile-") as tmp:
            config = _config(Path(tmp), f"http://127.0.0.1:{port}")
            stop_after = STOP_AFTER_FULL if "--full" in sys.argv else STOP_AFTER
            peak, seconds, code, before = _peak_mb(
                ["run", "--once", "-v", "-c", str(config)], ROOT, stop_after
            )
        print(f"  start-up only (--version): peak RSS {start_mb:.0f} MB")
        print(
            f"  run --once, {PAGE_FEEDS} feeds x {PAGES_PER_FEED} pages of {PAGE_BYTES / 1e6:.1f} MB with full text, "
            f"a 19 MB feed, gzip bomb, 50 MB body, drip, stall, redirect loop: {seconds:.0f} s"
            f" (stopped by SIGINT after {stop_after:g} s{'' if '--full' in sys.argv else '; --full: after 600 s'}), exit {code}, "
            f"peak RSS {peak:.0f} MB (target <= {TARGET_RSS_MB:g} MB: {'met' if peak <= TARGET_RSS_MB else 'NOT met'})"
        )
        if before is not None:
            print(
                f"  the same run, until the extractor began loading its parser pipeline: peak RSS {before:.0f} MB "
                f"(target <= {TARGET_RSS_MB:g} MB: {'met' if before <= TARGET_RSS_MB else 'NOT met'})"
            )
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
