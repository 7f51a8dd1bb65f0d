"""The classroom page: components rendered headless, and the page in a real browser."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import ipyvuetify
import pytest
import solara

from sim.classroom import web
from sim.classroom.session import GameSession

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def click(rc, label: str) -> None:
    """Click the one button whose text is ``label``."""
    button = rc.find(ipyvuetify.Btn, children=[label])
    button.assert_single()
    button.widget.click()


def type_in(rc, label: str, text: str) -> None:
    """Type into the text field labelled ``label`` and leave it (commits the value)."""
    field = rc.find(ipyvuetify.TextField, label=label)
    field.assert_single()
    field.widget.v_model = text
    field.widget.fire_event("focusout", None)


def alert(rc) -> str:
    """The text of the page's one error message."""
    found = rc.find(ipyvuetify.Alert)
    found.assert_single()
    return found.widget.children[0]


def rendered() -> tuple[GameSession, object]:
    """A new USA-CHN game served by the page, rendered headless."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    web.GAME["game"] = game
    _, rc = solara.render(web.Page(), handle_error=False)
    return game, rc


def test_page_plays_a_turn_headless():
    """Submitting both teams' moves and pressing Next turn advances the shared game."""
    game, rc = rendered()
    type_in(rc, "USA budget change %", "5")
    click(rc, "Submit USA move")
    assert game.moves["USA"]["budget_change_pct"] == 5.0
    click(rc, "Next turn")
    assert game.turn == 0  # CHN has not moved: the turn waits
    assert alert(rc) == "turn 0: waiting for moves from CHN"
    click(rc, "Submit CHN move")
    click(rc, "Next turn")
    assert game.turn == 1
    assert not rc.find(ipyvuetify.Alert)


def test_control_panel_refuses_an_inject_with_an_unknown_state():
    """A bad inject shows the validator's message and leaves the game as it was."""
    game, rc = rendered()
    type_in(rc, "parties (e.g. CHN,JPN)", "CHN,XYZ")
    click(rc, "Inject")
    assert "'XYZ' is not a state declared in [[state]]" in alert(rc)
    assert game.added["inject"] == []


def chromium() -> str:
    """Debian's chromium, installed with apt-get if missing (skip if it cannot be)."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed and installing it needs root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        try:
            done = subprocess.run(command, capture_output=True, env=env, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as err:
            pytest.skip(f"cannot install chromium: {' '.join(command)}: {err}")
        if done.returncode != 0:
            pytest.skip(f"cannot install chromium: {' '.join(command)} failed")
    return shutil.which("chromium") or pytest.skip("chromium missing after install")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, output: Path) -> None:
    """Poll until the page answers (or the server died), for at most 40 s."""
    deadline = time.monotonic() + 40.0
    while time.monotonic() < deadline:
        assert server.poll() is None, output.read_text()
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in 40 s: {output.read_text()}")


def test_page_in_a_real_browser(tmp_path):
    """Load the page, submit two teams' moves, advance a turn, see it, screenshot."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    port, log, output = free_port(), tmp_path / "game.jsonl", tmp_path / "server.txt"
    command = [sys.executable, "-m", "sim.cli", "serve", str(SCENARIO), "--teams",
               "USA,CHN", "--port", str(port), "--log", str(log)]  # fmt: skip
    with output.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{port}/", server, output)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=executable, args=FLAGS)
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                page.goto(f"http://127.0.0.1:{port}/", timeout=30_000)
                page.get_by_text("turn 0 of 8").wait_for(timeout=30_000)
                budget = page.get_by_label("USA budget change %")
                budget.fill("5")
                budget.press("Enter")
                page.get_by_text("Submit USA move").click()
                page.get_by_text("Submit CHN move").click()
                page.get_by_text("Waiting for: nobody").wait_for(timeout=10_000)
                page.get_by_text("Next turn").click()
                page.get_by_text("turn 1 of 8").wait_for(timeout=10_000)
                page.screenshot(path=tmp_path / "classroom.png", full_page=True)
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    assert (tmp_path / "classroom.png").stat().st_size > 10_000
    game = GameSession.resume(log)
    assert game.turn == 1
    assert game.events[0]["team"] == "USA"
    assert game.events[0]["move"]["budget_change_pct"] == 5.0
