"""The classroom server: authority on the server, and every page in a real browser.

The browser tests start ``wargame serve`` as the README says, read the links it
prints, and drive Debian's Chromium through Playwright with one browser
context per laptop (three teams, the instructor, the projector). Where no
Chromium is installed they skip, except under CI (``CI`` set), where they fail.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sim.classroom.session import GameError, GameSession
from sim.classroom.web import Classroom, create_app, inject_from_form, move_from_form
from sim.cli import main

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 10_000
"""How long a page may take to show a change (generous on a loaded machine)."""


# --------------------------------------------------------- without a browser


def asgi_request(
    app,
    method: str,
    path: str,
    *,
    client: str,
    body: dict | None = None,
    server: str = "127.0.0.1",
) -> tuple[int, bytes]:
    """One request from a client address to the server's; (status, body)."""
    payload = json.dumps(body or {}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"x")],
        "client": (client, 50000),
        "server": (server, 8765),
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    # A thread of its own: Playwright's sync API keeps a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if "body" in m)


@pytest.fixture
def room() -> Classroom:
    game = GameSession(SCENARIO, ["USA", "CHN"])
    return Classroom(game, codes={"USA": "AAAAAA", "CHN": "BBBBBB"}, secret="s3cret")


def test_control_routes_answer_only_this_machine_with_the_secret(room):
    """The instructor's commands need the secret and a loopback client."""
    app = create_app(room)
    for client, path, status in [
        ("10.0.0.7", "/control/s3cret/end", 403),  # a student's laptop
        ("127.0.0.1", "/control/guess/end", 403),
        ("127.0.0.1", "/team/BBBBBB/end", 404),  # a team page has no such route
    ]:
        assert asgi_request(app, "POST", path, client=client)[0] == status
        assert not room.game.finished
    assert (
        asgi_request(app, "POST", "/control/s3cret/end", client="127.0.0.1")[0] == 200
    )
    assert room.game.finished


def test_the_control_page_answers_this_machine_on_the_address_it_serves(room):
    """Served on a LAN address, the printed control link works on this machine.

    A browser here that opens ``http://192.168.1.20:8765/control/...`` sends
    from 192.168.1.20 itself; another machine on the network is refused.
    """
    app = create_app(room)
    lan = "192.168.1.20"
    for client, status in [("192.168.1.21", 403), (lan, 200), ("127.0.0.2", 200)]:
        got = asgi_request(app, "GET", "/control/s3cret", client=client, server=lan)
        assert got[0] == status, client


def test_a_move_is_the_teams_whose_page_posts_it(room):
    """A field naming another team is ignored: the join code decides the team."""
    app = create_app(room)
    body = {"turn": 0, "budget_change_pct": 1, "team": "USA"}
    status, _ = asgi_request(
        app, "POST", "/team/BBBBBB/move", client="10.0.0.7", body=body
    )
    assert status == 200
    assert room.game.moves == {"CHN": {"budget_change_pct": 1.0}}
    status, _ = asgi_request(
        app, "POST", "/team/ZZZZZZ/move", client="10.0.0.7", body=body
    )
    assert status == 403


def test_a_game_over_waits_for_no_team(room):
    """Once the game is ended, no page says the class is waiting for a team."""
    app = create_app(room)
    asgi_request(app, "POST", "/control/s3cret/end", client="127.0.0.1")
    for path in ("/live/projector", "/live/control/s3cret", "/live/team/AAAAAA"):
        live = json.loads(asgi_request(app, "GET", path, client="127.0.0.1")[1])
        assert "Waiting for: nobody" in live["live"], path


def test_the_news_of_a_turn_is_dated_as_the_status_line_dates_it(room):
    """`2024 Q2` in both, not `2024.25` under the heading of a turn's news."""
    app = create_app(room)
    room.game.play_waiting()
    live = json.loads(asgi_request(app, "GET", "/live/projector", client="1.2.3.4")[1])
    control = asgi_request(app, "GET", "/live/control/s3cret", client="127.0.0.1")
    assert "2024 Q2" in live["live"]
    assert "News of turn 0 (2024 Q1)" in json.loads(control[1])["live"]


def test_the_ends_of_the_budget_range_the_form_shows_are_accepted(room):
    """A team that types the most (or least) its form offers is not refused."""
    app = create_app(room)
    form = asgi_request(app, "GET", "/team/AAAAAA", client="10.0.0.7")[1].decode()
    shown = re.search(r"Budget change, % \(from (\S+) to (\S+)\)", form).groups()
    for end in shown:
        body = {"turn": 0, "budget_change_pct": end}
        status, answer = asgi_request(
            app, "POST", "/team/AAAAAA/move", client="10.0.0.7", body=body
        )
        assert status == 200, answer
        assert room.game.moves["USA"] == {"budget_change_pct": float(end)}


def test_a_blank_signal_level_follows_the_advice(room):
    """A partner chosen with its level cleared is left to the doctrine (the guide)."""
    app = create_app(room)
    body = {"turn": 0, "exercise.with": "JPN", "exercise.level": None}
    status, answer = asgi_request(
        app, "POST", "/team/AAAAAA/move", client="10.0.0.7", body=body
    )
    assert (status, json.loads(answer)) == (200, {"submitted": {}})
    assert room.game.moves == {"USA": {}}


def test_a_wrong_join_code_links_back_to_the_landing_page(room):
    """The 404 page says what is wrong and where to type the code again."""
    status, body = asgi_request(
        app := create_app(room), "GET", "/team/ZZZZZZ", client="10.0.0.7"
    )
    assert status == 404
    assert "No team has that join code" in body.decode()
    assert "<a href='/'>type it again</a>" in body.decode()
    assert (
        asgi_request(app, "GET", "/team/ZZZZZZ/briefing", client="10.0.0.7")[0] == 404
    )


def test_a_double_clicked_inject_is_injected_once(room):
    """The same inject sent again at once is refused; another one is not."""
    app = create_app(room)
    typhoon = {"kind": "disaster", "parties": ["PHL"], "note": "typhoon"}
    path = "/control/s3cret/inject"
    assert asgi_request(app, "POST", path, client="127.0.0.1", body=typhoon)[0] == 200
    status, body = asgi_request(app, "POST", path, client="127.0.0.1", body=typhoon)
    assert status == 400
    assert "the same inject was entered a moment ago" in json.loads(body)["error"]
    flood = {**typhoon, "note": "flood"}
    assert asgi_request(app, "POST", path, client="127.0.0.1", body=flood)[0] == 200
    notes = [j["note"] for j in room.game.bulletin() if j["kind"] == "disaster"]
    assert notes == ["typhoon", "flood"]


def test_the_form_becomes_the_move_the_team_chose():
    """Blank fields are left out; chosen signals and crisis actions are kept."""
    form = {
        "budget_change_pct": 2,
        "posture": None,
        "crisis.CHN": "hold",
        "crisis.PRK": "",
        "exercise.with": "JPN",
        "exercise.level": 0.5,
        "patrol.with": "",
        "declaration.with": "",
        "cbm.with": "CHN",
        "cbm.kind": "hotline",
    }
    assert move_from_form(form) == {
        "budget_change_pct": 2.0,
        "crisis": {"CHN": "hold"},
        "exercise": {"JPN": 0.5},
        "cbm": {"CHN": "hotline"},
    }


def test_a_server_on_a_resumed_game_keeps_its_links_and_timer(tmp_path):
    """Same join codes, same timer; a paused game holds the time it had left.

    A game in play starts the turn's countdown afresh: the time the server
    was down does not count against the teams.
    """
    log = tmp_path / "g.jsonl"
    first = Classroom(GameSession(SCENARIO, ["USA", "CHN"], log=log), timer_minutes=4)
    first.control("pause", {})
    held = first.remaining
    assert 0 < held <= 240
    again = Classroom(GameSession.resume(log))
    assert again.links() == first.links()
    assert again.timer_seconds == 240 and again.deadline is None
    assert again.remaining == held
    code = first.codes["CHN"]
    assert asgi_request(create_app(again), "GET", f"/team/{code}", client="x")[0] == 200
    again.control("resume", {})
    assert again.deadline == pytest.approx(time.time() + held, abs=30)
    in_play = Classroom(GameSession.resume(log))
    assert in_play.links() == first.links()
    assert in_play.deadline == pytest.approx(time.time() + 240, abs=30)


def test_a_rewind_while_paused_holds_a_full_countdown_also_after_a_restart(tmp_path):
    """The rewound turn's countdown starts afresh, on this server and the next."""
    log = tmp_path / "g.jsonl"
    room = Classroom(GameSession(SCENARIO, ["USA", "CHN"], log=log), timer_minutes=4)
    room.game.submit("USA", {})
    room.game.submit("CHN", {})
    room.control("next", {})
    room.control("pause", {})
    room.control("rewind", {"turn": 0})
    assert room.game.paused and room.remaining == 240
    again = Classroom(GameSession.resume(log))
    assert again.game.paused and again.remaining == 240 and again.deadline is None


def test_a_log_without_join_codes_gets_new_ones_that_are_kept(tmp_path):
    """A log of an older version or of `wargame play`: new codes, no timer."""
    log = tmp_path / "g.jsonl"
    GameSession(SCENARIO, ["USA", "CHN"], log=log)
    room = Classroom(GameSession.resume(log))
    assert room.timer_seconds is None and room.deadline is None
    assert sorted(room.codes) == ["CHN", "USA"]
    assert Classroom(GameSession.resume(log)).codes == room.codes


def test_a_bad_timer_is_refused_before_a_game_log_is_written(tmp_path, capsys):
    """`wargame serve --timer -1`: one line naming the range, status 2, no log."""
    log = tmp_path / "g.jsonl"
    argv = ["serve", str(SCENARIO), "--teams", "USA", "--log", str(log)]
    assert main([*argv, "--port", str(free_port()), "--timer", "-1"]) == 2
    assert "--timer -1.0: choose minutes from 0 to 600" in capsys.readouterr().err
    assert not log.exists()


def test_wargame_serve_resume_prints_the_same_links(tmp_path):
    """Stopped and started again with --resume: the links students hold still work.

    They are printed in the same order (the teams', not the alphabet's).
    """
    first = Served(tmp_path, "--timer", "4")
    first.stop()
    again = Served(tmp_path, resume=True, port=first.port)
    try:
        assert list(again.teams.items()) == list(first.teams.items())
        assert "Turn timer: 4 minutes" in again.text
        assert "kept no join codes" not in again.text
        with urllib.request.urlopen(again.teams["JPN"], timeout=30) as page:
            assert page.status == 200
    finally:
        again.stop()


def test_wargame_serve_says_how_to_resume_at_start_and_on_ctrl_c(tmp_path):
    """The exact command, at start and when stopped; a resumed game names its moves."""
    first = Served(tmp_path)
    again = f"wargame serve --resume {first.log} --port {first.port}"
    assert f"Stop with Ctrl-C; resume later with: {again}\n" in first.text
    assert post(first.teams["USA"] + "/move", {"turn": 0})[0] == 200
    first.process.send_signal(signal.SIGINT)
    first.process.wait(timeout=30)
    stopped = f"Stopped at turn 0; the game is saved in {first.log}; continue with: "
    assert stopped + again in first.output.read_text()
    resumed = Served(tmp_path, resume=True, port=first.port)
    try:
        assert "Turn 0: moves kept for USA; waiting for CHN, JPN." in resumed.text
    finally:
        resumed.stop()


def test_a_new_served_game_with_a_timer_waits_for_the_instructor(tmp_path):
    """`--timer 4` holds turn 0's countdown until Start / Resume.

    So the briefing does not run out the first turn.
    """
    server = Served(tmp_path, "--timer", "4")
    try:
        assert "(paused: press Start / Resume on the control page)" in server.text
        live = server.control.replace("/control/", "/live/control/")
        with urllib.request.urlopen(live, timeout=30) as answer:
            shown = json.load(answer)["live"]
        assert "paused" in shown and "timer held at 240 s" in shown
        start = urllib.request.Request(
            f"{server.control}/resume", data=b"{}", method="POST"
        )
        with urllib.request.urlopen(start, timeout=30) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(live, timeout=30) as answer:
            assert "data-deadline" in json.load(answer)["live"]
        assert [e.get("timer_left") for e in server.events("pause")] == [None]
    finally:
        server.stop()


# ------------------------------------------------------------ in a browser


def chromium() -> str:
    """Debian's chromium; skip without it, but fail under CI where it must be."""
    found = shutil.which("chromium")
    if found:
        return found
    reason = "no chromium on PATH (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: .ci/run installs it under CI")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A running ``wargame serve`` and the links it printed."""

    def __init__(
        self, tmp_path: Path, *extra: str, resume: bool = False, port: int = 0
    ) -> None:
        self.port = port or free_port()
        self.log = tmp_path / "game.jsonl"
        self.output = tmp_path / "server.txt"
        game = (
            ["--resume", str(self.log)]
            if resume
            else [str(SCENARIO), "--teams", "USA,CHN,JPN", "--log", str(self.log)]
        )
        command = [
            sys.executable, "-m", "sim.cli", "serve", *game,
            "--port", str(self.port), *extra,
        ]  # fmt: skip
        with self.output.open("w") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT
            )
        self.text = text = self._wait_for_links()
        self.base = f"http://127.0.0.1:{self.port}"
        self.control = re.search(r"Control page.*?: (\S+)", text).group(1)
        self.teams = dict(re.findall(r"Team (\w+): (\S+)", text))
        self.projector = f"{self.base}/projector"

    def _wait_for_links(self) -> str:
        # Generous: a loaded machine can take a minute to import and start it.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            text = self.output.read_text()
            assert self.process.poll() is None, text
            if "Stop with Ctrl-C" in text:
                self._wait_for_port()
                return text
            time.sleep(0.2)
        raise AssertionError(f"wargame serve printed no links: {text}")

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise AssertionError(self.output.read_text())

    def stop(self) -> None:
        """Stop the server (Ctrl-C), or kill it after 10 s."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def moves(self) -> list[dict]:
        """The move events of the game log so far."""
        return self.events("move")

    def events(self, kind: str) -> list[dict]:
        """The events of one kind in the game log so far."""
        lines = [json.loads(line) for line in self.log.read_text().splitlines()]
        return [e for e in lines[1:] if e["event"] == kind]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    server = Served(tmp_path)
    yield server
    server.stop()


def laptop(browser, url: str, width: int = 1280, height: int = 900):
    """A page in its own browser context (its own cookies, like its own laptop)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url)
    page.locator("#live .status").wait_for(timeout=WAIT_MS)
    return page


def see(page, text: str) -> None:
    """Wait until the page's live part shows ``text`` (no reload)."""
    page.locator("#live").get_by_text(text, exact=False).first.wait_for(timeout=WAIT_MS)


def test_three_teams_the_instructor_and_the_projector_at_once(browser, served):
    """Each page shows only its role's controls and updates itself after each move."""
    pages = {team: laptop(browser, url) for team, url in served.teams.items()}
    control = laptop(browser, served.control)
    projector = laptop(browser, served.projector, 1024, 768)
    for team, page in pages.items():
        buttons = page.get_by_role("button").all_inner_texts()
        assert buttons == [f"Submit {team} move"]
    assert projector.get_by_role("button").count() == 0
    pages["USA"].get_by_label("Budget change").fill("2")
    pages["USA"].get_by_role("button", name="Submit USA move").click()
    see(pages["USA"], "You submitted: budget +2%")
    for page in (pages["CHN"], pages["JPN"], projector):
        see(page, "Waiting for: CHN, JPN")
    see(control, "budget +2%")
    pages["CHN"].get_by_label("Posture").fill("0.8")
    pages["CHN"].get_by_role("button", name="Submit CHN move").click()
    pages["JPN"].get_by_role("button", name="Submit JPN move").click()
    see(projector, "Waiting for: nobody")
    control.get_by_role("button", name="Next turn").click()
    for page in [*pages.values(), control, projector]:
        see(page, "turn 1 of 8")
    see(pages["CHN"], "You played: posture 0.8.")
    assert "posture 0.8" not in pages["USA"].locator("#live").inner_text()
    assert {m["team"]: m["move"] for m in served.moves()} == {
        "USA": {"budget_change_pct": 2.0},
        "CHN": {"posture": 0.8},
        "JPN": {},
    }  # CHN and JPN clicked at once: either may be logged first
    assert len(served.moves()) == 3


def test_an_error_keeps_the_form_and_the_retry_records_the_move(browser, served):
    """A refused move leaves every field as typed; the corrected one is logged as is."""
    page = laptop(browser, served.teams["USA"])
    page.get_by_label("Budget change").fill("40")
    page.get_by_label("Posture").fill("0.8")
    page.locator("select[name='exercise.with']").select_option("JPN")
    page.get_by_role("button", name="Submit USA move").click()
    error = page.locator("#move .error")
    error.get_by_text("more than budgets in the region change").wait_for(
        timeout=WAIT_MS
    )
    assert page.get_by_label("Posture").input_value() == "0.8"
    assert page.locator("select[name='exercise.with']").input_value() == "JPN"
    assert served.moves() == []
    page.get_by_label("Budget change").fill("")
    page.get_by_label("Budget change").press_sequentially("1e")  # never sent
    page.get_by_role("button", name="Submit USA move").click()
    error.get_by_text("not a number").wait_for(timeout=WAIT_MS)
    assert served.moves() == []
    page.get_by_label("Budget change").fill("2")
    page.get_by_role("button", name="Submit USA move").click()
    see(page, "You submitted: budget +2%; posture 0.8; exercise with JPN (level 1)")
    assert served.moves()[0]["move"] == {
        "budget_change_pct": 2.0,
        "posture": 0.8,
        "exercise": {"JPN": 1.0},
    }


def test_a_move_sent_while_the_server_is_down_says_so(browser, served):
    """A stopped server is no silent click: the page says to send the move again."""
    page = laptop(browser, served.teams["USA"])
    page.get_by_label("Posture").fill("0.8")
    served.stop()
    page.get_by_role("button", name="Submit USA move").click()
    page.locator("#move .error").get_by_text("No answer from the game server").wait_for(
        timeout=WAIT_MS
    )
    assert page.get_by_label("Posture").input_value() == "0.8"


def test_the_turn_timer_plays_the_advice_and_says_so(browser, served):
    """When the instructor's timer runs out the turn is played, and the news says so."""
    usa = laptop(browser, served.teams["USA"])
    chn = laptop(browser, served.teams["CHN"])
    control = laptop(browser, served.control)
    usa.get_by_label("Posture").fill("0.75")
    usa.get_by_role("button", name="Submit USA move").click()
    see(usa, "You submitted")
    control.get_by_label("Turn timer").fill("0.05")  # three seconds
    control.get_by_role("button", name="Set timer").click()
    see(chn, "time left")
    see(chn, "turn 1 of 8")
    see(chn, "advice was played for CHN, JPN")
    see(chn, "The timer ran out before you moved")
    see(usa, "You played: posture 0.75.")
    by = [(m["team"], m.get("by")) for m in served.moves()]
    assert by == [("USA", None), ("CHN", "timer"), ("JPN", "timer")]


def inject_collision(control) -> None:
    """Inject a CHN-JPN collision at sea (a show of force) from the control page."""
    control.locator("input[name='parties'][value='CHN']").check()
    control.locator("input[name='parties'][value='JPN']").check()
    control.locator("select[name='theater']").select_option("east_china_sea")
    control.locator("select[name='rung']").select_option("2")
    control.get_by_label("Note").fill("collision at sea")
    control.get_by_role("button", name="Inject").click()
    see(control, "collision at sea")


def test_a_refusal_on_the_control_page_goes_with_the_next_command(browser, served):
    """A refused inject's reason does not stay beside the form after a later command."""
    control = laptop(browser, served.control)
    control.locator("select[name='kind']").select_option("budget_shock")
    control.locator("input[name='parties'][value='JPN']").check()
    control.get_by_role("button", name="Inject").click()
    refusal = control.locator("#inject .error")
    refusal.get_by_text("magnitude: missing").wait_for(timeout=WAIT_MS)
    control.get_by_role("button", name="Pause").click()
    control.locator("#live .state.paused").wait_for(timeout=WAIT_MS)
    assert refusal.inner_text() == ""


def test_every_page_fits_a_projector_a_laptop_and_a_phone(browser, served, tmp_path):
    """No page scrolls sideways at 1024x768, 1280 or 390 px; screenshots are kept."""
    control = laptop(browser, served.control)
    inject_collision(control)
    views = [
        ("projector", served.projector, 1024, 768),
        ("team", served.teams["JPN"], 1280, 900),
        ("phone", served.teams["JPN"], 390, 844),
        ("control", served.control, 1280, 900),
        ("handouts", served.control + "/handouts", 1280, 900),
    ]
    for name, url, width, height in views:
        page = laptop(browser, url, width, height) if name != "handouts" else None
        if page is None:
            page = browser.new_context(viewport={"width": width, "height": height})
            page = page.new_page()
            page.goto(url)
        page.screenshot(path=tmp_path / f"{name}.png", full_page=name != "projector")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide at {width} px"
    projector = laptop(browser, served.projector, 1024, 768)
    see(projector, "collision at sea")
    assert projector.locator("img.map").evaluate("i => i.naturalWidth") > 0


def test_the_projector_fits_1024x768_after_turns_of_news(browser, served, tmp_path):
    """After two turns of news the curve, the table and who is awaited are on screen.

    The news scrolls in its own box; the page itself does not scroll.
    """
    control = laptop(browser, served.control)
    control.on("dialog", lambda dialog: dialog.accept())
    inject_collision(control)
    for turn in (1, 2):
        control.get_by_role("button", name="Play turn, advice for the waiting").click()
        see(control, f"turn {turn} of 8")
    projector = laptop(browser, served.projector, 1024, 768)
    see(projector, "turn 2 of 8")
    projector.wait_for_function("document.querySelector('#live img.curve').complete")
    projector.screenshot(path=tmp_path / "projector.png")
    for part in ("img.map", "img.curve", "p.waiting", "table.region"):
        box = projector.locator(f"#live {part}").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768, f"{part}: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1024, f"{part}: {box}"
    assert projector.evaluate("document.documentElement.scrollHeight") <= 768


def control(app, command: str, body: dict | None = None) -> tuple[int, dict]:
    """One instructor command from this machine; (status, answer)."""
    path = f"/control/s3cret/{command}"
    status, text = asgi_request(app, "POST", path, client="127.0.0.1", body=body)
    return status, json.loads(text)


def test_the_instructors_commands_and_their_refusals(room):
    """Inject, pause and its held timer, rewind and reset; bad input is named."""
    app, game = create_app(room), room.game
    status, answer = control(app, "inject", {"kind": "crisis", "parties": ["CHN"]})
    assert status == 400 and "a crisis names two states" in answer["error"]
    inject = {"kind": "disaster", "parties": ["PHL"], "note": "typhoon"}
    assert control(app, "inject", inject)[0] == 200
    assert game.added["inject"][0]["note"] == "typhoon"
    assert control(app, "timer", {"minutes": 5})[0] == 200
    assert room.deadline is not None
    assert control(app, "pause")[0] == 200
    assert game.paused and room.deadline is None and room.remaining > 0
    status, answer = control(app, "next")
    assert status == 400 and "paused" in answer["error"]
    assert control(app, "resume")[0] == 200
    assert room.deadline is not None and room.remaining is None
    game.submit("USA", {})
    game.submit("CHN", {})
    assert control(app, "next")[0] == 200 and game.turn == 1
    status, answer = control(app, "rewind", {"turn": 5})
    assert status == 400 and "choose a turn from 0 to 1" in answer["error"]
    assert control(app, "rewind", {"turn": "x"})[0] == 400
    assert control(app, "reset")[0] == 200 and game.turn == 0
    assert control(app, "timer", {"minutes": 0})[0] == 200 and room.deadline is None
    assert control(app, "nonsense")[0] == 400


def test_the_control_page_plays_the_turn_with_advice_for_absent_teams(room):
    """A team that never moves blocks nothing: the instructor plays the turn."""
    app, game = create_app(room), room.game
    page = asgi_request(app, "GET", "/control/s3cret", client="127.0.0.1")[1]
    assert b"Play turn, advice for the waiting" in page
    game.submit("USA", {"posture": 0.75})
    status, answer = control(app, "next")
    assert status == 400 and "waiting for moves from CHN" in answer["error"]
    assert control(app, "advise")[0] == 200 and game.turn == 1
    moves = [(e["team"], e.get("by")) for e in game.events if e["event"] == "move"]
    assert moves == [("USA", None), ("CHN", "instructor")]
    assert "advice was played for CHN" in game.news[-1]["public"][-1]


def test_the_inject_form_needs_the_magnitude_it_has_no_default_for(room):
    """No magnitude of 1 by default: a treaty change without one is refused."""
    app, game = create_app(room), room.game
    page = asgi_request(app, "GET", "/control/s3cret", client="127.0.0.1")[1].decode()
    field = re.search(r"<input name='magnitude'[^>]*>", page).group(0)
    assert "value" not in field
    assert "treaty change: a tie level (0 ends the parties&#x27; tie" in page
    form = {"kind": "treaty_change", "parties": ["USA", "JPN"], "magnitude": None}
    status, answer = control(app, "inject", form)
    assert (
        status == 400
        and "magnitude: missing; an inject of kind treaty_change needs"
        in answer["error"]
    )
    assert game.added["inject"] == []
    assert control(app, "inject", {**form, "magnitude": 0.5})[0] == 200


def test_rewind_asks_first_and_goes_back_one_turn_by_default(room):
    """The Rewind button confirms like Reset; a blank turn is the previous one."""
    app, game = create_app(room), room.game
    page = asgi_request(app, "GET", "/control/s3cret", client="127.0.0.1")[1].decode()
    form = re.search(r"<form novalidate data-post='rewind'.*?</form>", page, re.S)
    assert "data-confirm='Rewind to that turn (blank: the previous)?" in form.group(0)
    assert "value=" not in form.group(0)
    for _ in range(2):
        game.play_waiting()
    assert control(app, "rewind", {"turn": None})[0] == 200 and game.turn == 1


# ------------------------------------------------- bad input through the server


def post(url: str, body: object) -> tuple[int, dict]:
    """POST ``body`` (bytes as they are, anything else as JSON); (status, answer)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_a_bad_move_body_is_refused_and_the_move_before_it_kept(served):
    """Not JSON, or not a table of fields: 400 naming it; the move and log stay."""
    url = served.teams["CHN"] + "/move"
    assert post(url, {"turn": 0, "posture": 0.8})[0] == 200
    logged = served.log.read_text()
    for body, named in [
        (b"posture=0.3", "not JSON"),
        (b"", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ([{"posture": 0.3}], "this one is a list"),
        ("posture", "this one is a string"),
        (None, "this one is null"),
    ]:
        status, answer = post(url, body)
        assert status == 400, (body, answer)
        assert named in answer["error"] and "\n" not in answer["error"]
    status, answer = post(served.control + "/next", b"next please")
    assert status == 400 and "not JSON" in answer["error"]
    assert served.log.read_text() == logged
    assert [m["move"] for m in served.moves()] == [{"posture": 0.8}]


def test_a_field_of_the_wrong_kind_is_refused_by_name(served):
    """A list, a table or a boolean where the form sends text or a number: 400.

    The message names the field, the server prints no traceback, and the log
    and the team's move stay as they were.
    """
    url = served.teams["USA"] + "/move"
    assert post(url, {"turn": 0, "budget_change_pct": 1})[0] == 200
    logged = served.log.read_text()
    for body, named in [
        ({"crisis.CHN": ["hold"]}, "crisis.CHN: ['hold'] is not"),
        ({"crisis.CHN": 0}, "crisis.CHN: 0 is not"),
        ({"exercise.with": ["JPN"]}, "exercise.with: ['JPN'] is not"),
        ({"patrol.with": {"taiwan_strait": 1}}, "patrol.with: {'taiwan_strait': 1}"),
        ({"declaration.with": True}, "declaration.with: True is not"),
        ({"cbm.with": ["CHN"], "cbm.kind": "hotline"}, "cbm.with: ['CHN'] is not"),
        ({"cbm.with": "CHN", "cbm.kind": ["hotline"]}, "cbm.kind: ['hotline'] is"),
        ({"posture": True}, "posture: True is not a number"),
        ({"budget_change_pct": False}, "budget_change_pct: False is not a number"),
        ({"exercise.with": "JPN", "exercise.level": True}, "exercise level: True"),
    ]:
        status, answer = post(url, {"turn": 0, **body})
        assert status == 400, (body, answer)
        assert named in answer["error"], answer
    assert served.log.read_text() == logged
    assert [m["move"] for m in served.moves()] == [{"budget_change_pct": 1.0}]
    status, answer = post(served.control + "/timer", {"minutes": True})
    assert status == 400 and "minutes: True is not a number" in answer["error"]
    assert "Traceback" not in served.output.read_text()


def test_a_move_for_a_turn_already_played_is_refused(served):
    """Posted just after Next: 409, not counted for the next turn; no turn: 400."""
    for team, url in served.teams.items():
        assert post(url + "/move", {"turn": 0})[0] == 200, team
    assert post(served.control + "/next", {})[0] == 200
    logged = served.log.read_text()
    status, answer = post(served.teams["USA"] + "/move", {"turn": 0, "posture": 0.9})
    assert status == 409
    assert "for turn 0, but the game is now at turn 1" in answer["error"]
    for body, named in [
        ({"posture": 0.9}, "turn: missing"),
        ({"turn": "one", "posture": 0.9}, "turn: 'one' is not a number"),
        ({"turn": True, "posture": 0.9}, "turn: True is not a number"),
    ]:
        status, answer = post(served.teams["USA"] + "/move", body)
        assert status == 400 and named in answer["error"], answer
    assert served.log.read_text() == logged
    assert post(served.teams["USA"] + "/move", {"turn": 1, "posture": 0.9})[0] == 200
    assert served.moves()[-1] == {
        "event": "move", "turn": 1, "team": "USA", "move": {"posture": 0.9}
    }  # fmt: skip


def test_the_page_sends_its_turn_and_a_late_move_asks_again(browser, served):
    """A page that missed the news of Next posts for its turn and is told it moved on.

    Its event stream is cut, so it still shows turn 0 when the instructor
    plays the turn; its move is refused, and the page then shows turn 1's form
    with the reason, keeping the log free of a move nobody chose for turn 1.
    """
    page = laptop(browser, served.teams["USA"])
    page.route("**/events", lambda route: route.abort())
    page.reload()
    page.locator("#live .status").wait_for(timeout=WAIT_MS)
    for url in served.teams.values():
        assert post(url + "/move", {"turn": 0})[0] == 200
    assert post(served.control + "/next", {})[0] == 200
    assert "Your move for turn 0" in page.locator("#move h2").inner_text()
    page.get_by_label("Posture").fill("0.9")
    page.get_by_role("button", name="Submit USA move").click()
    page.locator("#move .error").get_by_text("the game is now at turn 1").wait_for(
        timeout=WAIT_MS
    )
    assert "Your move for turn 1" in page.locator("#move h2").inner_text()
    assert [m["turn"] for m in served.moves()] == [0, 0, 0]
    page.get_by_label("Posture").fill("0.9")
    page.get_by_role("button", name="Submit USA move").click()
    see(page, "You submitted: posture 0.9")
    assert served.moves()[-1]["turn"] == 1


def test_the_challenger_is_the_party_ticked_first(browser, served):
    """Ticking PRK then USA makes PRK the challenger, whatever the page's order.

    The page shows the order it will send; unticking drops a party from it.
    """
    control = laptop(browser, served.control)
    tick = {s: control.locator(f"input[name='parties'][value='{s}']") for s in
            ("CHN", "PRK", "USA")}  # fmt: skip
    order = control.locator("#inject .order")
    tick["CHN"].check()
    tick["PRK"].check()
    tick["USA"].check()
    tick["CHN"].uncheck()
    assert order.inner_text() == "Order: PRK, USA"
    control.locator("select[name='theater']").select_option("korean_peninsula")
    control.get_by_label("Note").fill("missile test")
    control.get_by_role("button", name="Inject").click()
    see(control, "missile test")
    [event] = served.events("inject")
    assert event["inject"]["parties"] == ["PRK", "USA"]


def timer_field(served: Served) -> str:
    """The value the control page's turn-timer field shows."""
    with urllib.request.urlopen(served.control, timeout=30) as page:
        html = page.read().decode()
    return re.search(r"<input name='minutes'[^>]*value='([^']*)'", html).group(1)


def test_the_timer_field_shows_the_timer_set(tmp_path):
    """Off (0) without --timer, the length given, and the length the page set."""
    plain = Served(tmp_path)
    try:
        assert timer_field(plain) == "0"
    finally:
        plain.stop()
    timed = Served(tmp_path, "--timer", "2.5", resume=True, port=plain.port)
    try:
        assert timer_field(timed) == "2.5"
        assert post(timed.control + "/timer", {"minutes": 0.75})[0] == 200
        assert timer_field(timed) == "0.75"
    finally:
        timed.stop()


def test_the_debrief_of_a_served_game_can_be_read_by_others(tmp_path):
    """`wargame debrief` writes a file with the umask's mode (0644), not 0600."""
    served = Served(tmp_path)
    try:
        for url in served.teams.values():
            assert post(url + "/move", {"turn": 0})[0] == 200
        assert post(served.control + "/next", {})[0] == 200
        assert post(served.control + "/end", {})[0] == 200
    finally:
        served.stop()
    out = tmp_path / "debrief.html"
    before = os.umask(0o022)
    try:
        argv = ["debrief", str(served.log), "--out", str(out), "--replications", "2"]
        assert main(argv) == 0
    finally:
        os.umask(before)
    assert out.stat().st_mode & 0o777 == 0o644


def test_a_team_page_shows_no_move_form_once_the_game_has_ended(room):
    """After End the game, the form is gone and a line says the game has ended."""
    app = create_app(room)
    asgi_request(app, "POST", "/control/s3cret/end", client="127.0.0.1")
    _, answer = asgi_request(app, "GET", "/live/team/AAAAAA", client="10.0.0.2")
    live = json.loads(answer)
    assert "<form" not in live["form"]
    assert "The game has ended: no more moves can be made." in live["form"]
    page = asgi_request(app, "GET", "/team/AAAAAA", client="10.0.0.2")[1].decode()
    assert "id='move'" not in page and "The game has ended" in page


def test_the_move_form_gives_way_to_the_end_of_the_game(browser, served):
    """An open team page loses its form when the instructor ends the game."""
    page = laptop(browser, served.teams["USA"])
    control = laptop(browser, served.control)
    control.on("dialog", lambda dialog: dialog.accept())
    control.get_by_role("button", name="End the game").click()
    page.locator("#form").get_by_text("The game has ended").wait_for(timeout=WAIT_MS)
    assert page.locator("#move").count() == 0
    assert page.get_by_role("button").count() == 0


def test_the_inject_form_refuses_a_disasters_magnitude():
    """The form sent it, and the disaster ignored it."""
    with pytest.raises(GameError) as refused:
        inject_from_form({"kind": "disaster", "parties": ["PHL"], "magnitude": "2"})
    assert str(refused.value) == (
        "inject disaster: magnitude 2.0 is not read by a disaster inject, which "
        "takes none"
    )
