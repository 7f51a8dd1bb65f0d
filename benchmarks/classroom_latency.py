"""How long the classroom's pages take to show a move, an inject and a turn.

Starts ``wargame serve`` with three teams, opens the three team pages, the
control page and the projector in their own Chromium contexts, then times, for
each of several rounds, how long after a team's click every other page shows
the change (server-sent event, fetch of the live part, swap). Prints the
median and the worst over all pages and rounds, per kind of change. The
target: within a second. Needs Debian's chromium on PATH.

    PYTHONPATH=$PWD python benchmarks/classroom_latency.py [--rounds 5]
"""

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def main() -> None:
    """Time the updates and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = Path(tempfile.mkdtemp())
    out = (folder / "server.txt").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "serve", str(SCENARIO), "--teams",
         "USA,CHN,JPN", "--port", str(port), "--log", str(folder / "g.jsonl")],
        stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        text = ""
        while "Stop with Ctrl-C" not in text:
            time.sleep(0.2)
            text = (folder / "server.txt").read_text()
        time.sleep(1.0)
        control = re.search(r"Control page.*?: (\S+)", text).group(1)
        teams = dict(re.findall(r"Team (\w+): (\S+)", text))
        timings: dict[str, list[float]] = {"move": [], "turn": []}
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=FLAGS
            )
            pages = {}
            projector = f"http://127.0.0.1:{port}/projector"
            for name, url in [*teams.items(), ("control", control), ("x", projector)]:
                page = browser.new_context().new_page()
                page.goto(url)
                page.locator("#live .status").wait_for()
                pages[name] = page
            for k in range(rounds):
                watchers = [pages[n] for n in ("CHN", "JPN", "control", "x")]
                pages["USA"].get_by_label("Posture").fill(f"0.{k + 1}")
                start = time.perf_counter()
                pages["USA"].get_by_role("button", name="Submit USA move").click()
                for page in watchers:
                    page.locator("#live").get_by_text(
                        "Waiting for: CHN, JPN"
                    ).first.wait_for()
                    timings["move"].append(time.perf_counter() - start)
                for team in ("CHN", "JPN"):
                    pages[team].get_by_role(
                        "button", name=f"Submit {team} move"
                    ).click()
                pages["x"].locator("#live").get_by_text(
                    "Waiting for: nobody"
                ).wait_for()
                start = time.perf_counter()
                pages["control"].get_by_role("button", name="Next turn").click()
                for page in pages.values():
                    page.locator("#live").get_by_text(
                        f"turn {k + 1} of"
                    ).first.wait_for()
                    timings["turn"].append(time.perf_counter() - start)
            browser.close()
    finally:
        server.terminate()
        server.wait()
    for kind, values in timings.items():
        print(
            f"{kind}: every other page updated after {statistics.median(values):.2f} s "
            f"median, {max(values):.2f} s worst ({len(values)} page-updates)"
        )


if __name__ == "__main__":
    main()
