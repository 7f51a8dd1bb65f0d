"""Terminal play: ``wargame play`` reads moves from standard input."""

import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from sim.classroom.log import read_log
from sim.classroom.session import GameError, GameSession, MoveError
from sim.classroom.terminal import parse_inject, parse_move, play
from sim.cli import main
from sim.dynamics.crisis_decision import ACTIONS
from sim.dynamics.escalation import RUNGS
from tests.conftest import restore_ctrl_c

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"
THEATERS = ["east_china_sea", "south_china_sea"]


def wargame(*args: str, stdin: str = "", cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_parse_move_reads_every_kind_of_choice():
    """One line of choices becomes the move dict the session checks."""
    move = parse_move(
        "budget +5%; posture 0.7; exercise JPN 1; patrol taiwan_strait 0.5; "
        "declare JPN 1; crisis PHL hold; cbm CHN hotline"
    )
    assert move == {
        "budget_change_pct": 5.0,
        "posture": 0.7,
        "exercise": {"JPN": 1.0},
        "patrol": {"taiwan_strait": 0.5},
        "declaration": {"JPN": 1.0},
        "crisis": {"PHL": "hold"},
        "cbm": {"CHN": "hotline"},
    }
    assert parse_move("") == {}


@pytest.mark.parametrize(
    "text",
    ["budget 5; posture 0.9; budget 2", "exercise JPN 1; exercise jpn 0.5"],
)
def test_a_choice_given_twice_in_one_move_is_refused(text):
    """The second of two budgets is not silently the one played: both are named."""
    with pytest.raises(MoveError, match=r"both set .*; give each choice once"):
        parse_move(text, ["JPN"])
    assert parse_move("exercise JPN 1; exercise KOR 0.5", ["JPN", "KOR"]) == {
        "exercise": {"JPN": 1.0, "KOR": 0.5}
    }


def test_parse_move_says_how_to_write_a_move():
    """An unreadable choice is refused with an example."""
    with pytest.raises(MoveError, match=r"cannot read 'budget lots'; write e\.g\."):
        parse_move("budget lots")


def test_parse_inject_reads_kind_parties_theater_rung_and_note():
    """``inject crisis CHN,JPN east_china_sea 2 collision at sea`` as a dict."""
    words = ["crisis", "CHN,JPN", "east_china_sea", "2", "collision", "at", "sea"]
    assert parse_inject(words, THEATERS) == {
        "kind": "crisis",
        "parties": ["CHN", "JPN"],
        "theater": "east_china_sea",
        "rung": 2,
        "note": "collision at sea",
    }
    assert parse_inject(["budget_shock", "CHN", "0.9"], THEATERS)["magnitude"] == 0.9


def test_a_word_that_is_no_theater_is_the_note():
    """``inject disaster PHL typhoon``: typhoon is the note, not a theater."""
    assert parse_inject(["disaster", "PHL", "typhoon"], THEATERS) == {
        "kind": "disaster",
        "parties": ["PHL"],
        "note": "typhoon",
    }


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (
            ["exercise", "CHN,JPN", "east_china_sea"],
            "inject exercise: theater 'east_china_sea' is not read: only a crisis "
            "inject takes a theater",
        ),
        (
            ["disaster", "PHL", "2"],
            "inject disaster: magnitude 2.0 is not read by a disaster inject, which "
            "takes none",
        ),
    ],
)
def test_parse_inject_refuses_what_the_kind_does_not_read(words, message):
    """An exercise placed in a theater was announced there and held everywhere."""
    with pytest.raises(GameError) as refused:
        parse_inject(words, THEATERS)
    assert str(refused.value) == message


def test_play_then_resume_in_a_terminal(tmp_path):
    """Two teams play a turn from stdin, a bad move waits, then the game resumes."""
    log = tmp_path / "game.jsonl"
    first = wargame(
        "play", str(SCENARIO), "--teams", "USA,CHN", "--log", str(log),
        stdin="budget +900\nbudget +2\nposture 0.8\n"
        "inject disaster PHL typhoon\nnext\nquit\n",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "beyond USA's means" in first.stdout
    assert "Turn 0 of 8" in first.stdout and "Turn 1 of 8" in first.stdout
    assert "spending US$ m" in first.stdout and "highest rung" in first.stdout
    assert f"--resume {log}" in first.stdout
    second = wargame("play", "--resume", str(log), stdin="\n\nnext\nquit\n")
    assert second.returncode == 0, second.stderr
    assert "Turn 2 of 8" in second.stdout
    assert GameSession.resume(log).turn == 2


def test_a_resumed_game_says_whose_moves_it_kept(tmp_path):
    """The moves entered for the current turn before the stop are named."""
    log = tmp_path / "game.jsonl"
    game = GameSession(SCENARIO, ["USA", "CHN", "JPN"], log=log)
    game.submit("JPN", {"posture": 0.5})
    game.submit("USA", {})
    result = wargame("play", "--resume", str(log), stdin="quit\n")
    assert "Turn 0: moves kept for USA, JPN; waiting for CHN." in result.stdout


def test_resume_of_a_corrupt_log_exits_2(tmp_path):
    """A damaged log is named with its line; nothing is played or written."""
    log = tmp_path / "game.jsonl"
    log.write_text('{"format": "apwar\n')  # its header cut short
    result = wargame("play", "--resume", str(log))
    assert result.returncode == 2
    assert f"error: {log}:1: corrupt line" in result.stderr
    assert log.read_text() == '{"format": "apwar\n'


@pytest.mark.parametrize(
    ("teams", "unknown"), [("USA,XYZ", "XYZ"), ("USA,,CHN", "'' (empty)")]
)
def test_play_names_unknown_teams(tmp_path, teams, unknown):
    """A team that is not a state of the scenario exits 2 with the choices.

    An empty one (``USA,,CHN``) too: nothing typed is silently dropped.
    """
    result = wargame(
        "play", str(SCENARIO), "--teams", teams, "--log", str(tmp_path / "g.jsonl")
    )
    assert result.returncode == 2
    assert result.stderr.endswith(f"; unknown: {unknown}\n")
    assert not (tmp_path / "g.jsonl").exists()


def test_refusals_show_what_they_quote_verbatim(tmp_path):
    """A refusal quoting ``[bold]`` as typed prints it as written, not as markup."""
    result = wargame(
        "play", str(SCENARIO), "--teams", "USA,CHN", "--log", str(tmp_path / "g.jsonl"),
        stdin="exercise [bold] 1\nquit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "USA: no exercise with '[bold]': it is not a partner of USA" in result.stdout


GUIDE = Path(__file__).parent.parent / "docs" / "classroom.md"


def guide_control_lines() -> list[str]:
    """The control cell's commands as the lecturer's guide writes them."""
    text = GUIDE.read_text()
    lines = re.findall(r"`(inject [^`]+)`", " ".join(text.split()))
    assert len(lines) >= 4, lines
    return lines


def test_the_guides_commands_run_at_a_real_terminal(tmp_path):
    """In a pty, the guide's move and injects are accepted; help; no doubled echo."""
    log = tmp_path / "game.jsonl"
    command = [
        sys.executable, "-m", "sim.cli", "play", str(SCENARIO),
        "--teams", "USA,CHN,JPN", "--log", str(log),
    ]  # fmt: skip
    main, child = pty.openpty()
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "110"}
    process = subprocess.Popen(
        command, stdin=child, stdout=child, stderr=child, env=env, close_fds=True
    )
    os.close(child)
    screen = Screen(main)
    try:
        move = (
            "budget +5; posture 0.7; exercise JPN 1; patrol taiwan_strait 0.5; "
            "declare JPN 1; cbm CHN hotline"
        )
        screen.answer("USA move (help)> ", move)
        screen.answer("CHN move (help)> ", "help")
        screen.answer("CHN move (help)> ", "")
        screen.answer("JPN move (help)> ", "")
        for line in ["help", *guide_control_lines()]:
            screen.answer("control (next", line)
        screen.answer("control (next", "next")
        screen.wait_for("Turn 1 of 8")
        screen.answer("USA move (help)> ", "quit")
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    text = screen.text
    assert "refused" not in text, text
    assert text.count("inject accepted") == len(guide_control_lines())
    assert "theaters: taiwan_strait" in text and "states: USA" in text
    assert "budget PCT     from" in text  # a team's help
    assert text.count(move) == 1  # the terminal's echo only, not ours as well
    game = GameSession.resume(log)
    assert game.turn == 1
    spec = game.model.spec
    notes = [j.note for j in spec.injects if spec.step_of(j.year) == 0]
    assert "typhoon" in notes and "collision at sea" in notes


class Screen:
    """What a pty shows, read as the program writes it."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.text = ""

    def wait_for(self, text: str, *, timeout: float = 120) -> None:
        """Read until ``text`` appears after what was already matched."""
        start = len(self.text)
        deadline = time.monotonic() + timeout
        while text not in self.text[max(0, start - len(text)) :]:
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} in:\n{self.text[-2000:]}"
            ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                assert chunk, f"the program ended before {text!r}:\n{self.text}"
                self.text += chunk.decode(errors="replace").replace("\r\n", "\n")

    def answer(self, prompt: str, line: str) -> None:
        """Wait for ``prompt``, then type ``line`` and Enter."""
        self.wait_for(prompt)
        os.write(self.fd, (line + "\n").encode())


def test_an_apostrophe_is_text_and_an_open_quote_is_asked_again(tmp_path):
    """``Luzon's typhoon`` is a note; an open double quote is refused, asked again."""
    log = tmp_path / "game.jsonl"
    result = wargame(
        "play", str(SCENARIO), "--teams", "USA,CHN", "--log", str(log),
        stdin="\n\ninject disaster PHL Luzon's typhoon\n"
        'inject disaster PHL "5 dead\ninject disaster PHL "5 dead"\nnext\nquit\n',
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "refused: cannot read 'inject disaster PHL \"5 dead': a double quote" in (
        result.stdout
    )
    assert result.stdout.count("inject accepted") == 2
    game = GameSession.resume(log)
    assert game.turn == 1
    notes = [j.note for j in game.model.spec.injects]
    assert "Luzon's typhoon" in notes and "5 dead" in notes


@pytest.mark.parametrize("encoding", ["utf-8:strict", "utf-8:surrogateescape"])
def test_a_line_that_is_not_utf8_is_asked_again(tmp_path, encoding):
    """Bytes that are not UTF-8 are refused at the prompt; nothing reaches the log."""
    log = tmp_path / "game.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "play", str(SCENARIO), "--teams", "USA",
         "--log", str(log)],
        input=b"\ninject disaster PHL caf\xe9\nnext\nquit\n",
        capture_output=True, timeout=120,
        env={**os.environ, "PYTHONIOENCODING": encoding},
    )  # fmt: skip
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0, result.stderr
    assert "refused: cannot read that line: it is not UTF-8 text" in out
    assert "\\udc" not in log.read_text()
    assert GameSession.resume(log).turn == 1


def test_a_rung_or_turn_that_is_no_whole_number_is_refused(tmp_path):
    """``2.5`` as a rung, ``rewind ²`` or ``rewind`` alone: refused, asked again."""
    log = tmp_path / "game.jsonl"
    result = wargame(
        "play", str(SCENARIO), "--teams", "USA", "--log", str(log),
        stdin="\ninject crisis CHN,JPN east_china_sea 2.5 collision\nrewind ²\n"
        "rewind\ninject crisis CHN,JPN east_china_sea 2.0 collision\nnext\nquit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "refused: rung 2.5: write a whole number from 1 to" in result.stdout
    assert result.stdout.count("refused: write rewind TURN, a turn from 0 to 0") == 2
    assert "inject accepted" in result.stdout
    assert GameSession.resume(log).turn == 1


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_a_seed_out_of_range_is_named_and_exits_2(seed, tmp_path, capsys):
    """``--seed -1``: one line naming --seed, status 2, no log written."""
    log = tmp_path / "g.jsonl"
    args = ["play", str(SCENARIO), "--teams", "USA", "--seed", seed, "--log", str(log)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == f"error: --seed {seed}: must be from 0 to {2**63 - 1}\n"
    assert not log.exists()


def test_a_bundled_scenario_by_name_from_another_folder(tmp_path):
    """``wargame play classroom_crisis`` finds the bundled file, as ``run`` does.

    ``--resume`` with the same name is the same game; an unknown name lists them.
    """
    first = wargame(
        "play", "classroom_crisis", "--teams", "USA", stdin="\nnext\nquit\n",
        cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    (log,) = (tmp_path / "games").glob("classroom_crisis-*.jsonl")
    again = wargame(
        "play", "classroom_crisis", "--resume", str(log), stdin="quit\n", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert "Turn 1 of 8" in again.stdout
    unknown = wargame("play", "no_such_game", "--teams", "USA", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "no bundled scenario of that name; bundled: " in unknown.stderr
    assert "classroom_crisis" in unknown.stderr


def test_a_log_cut_short_by_a_crash_resumes_and_debriefs(tmp_path):
    """A half-written last line is named in one warning and left out.

    The game goes on from the line before, and the log is whole again after.
    """
    log = tmp_path / "game.jsonl"
    first = wargame(
        "play", str(SCENARIO), "--teams", "USA", "--log", str(log),
        stdin="\nnext\nquit\n",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    log.write_text(log.read_text() + '{"event": "move", "team": "US')
    warning = f"warning: {log}:4: the last line is cut short"
    debrief = wargame(
        "debrief", str(log), "--out", str(tmp_path / "d.html"), "--replications", "2"
    )
    assert debrief.returncode == 0, debrief.stderr
    assert debrief.stderr.startswith(warning) and debrief.stderr.count("\n") == 1
    again = wargame("play", "--resume", str(log), stdin="posture 0.5\nquit\n")
    assert again.returncode == 0, again.stderr
    assert again.stderr.startswith(warning) and again.stderr.count("\n") == 1
    assert "Turn 1 of 8" in again.stdout
    last = wargame("play", "--resume", str(log), stdin="quit\n")
    assert last.returncode == 0 and last.stderr == ""
    assert GameSession.resume(log).moves == {"USA": {"posture": 0.5}}


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_log_that_cannot_be_written_is_one_line_and_status_74(tmp_path):
    """``--log`` where no file can be made: one line naming it, status 74.

    74 is docs/cli.md's status for a file that cannot be written; no game starts.
    """
    blocker = tmp_path / "file"
    blocker.write_text("")
    cases = {
        "/proc/x.jsonl": "error: /proc/x.jsonl: cannot",
        str(tmp_path): f"error: {tmp_path}: is a folder; give a file name",
        str(blocker / "g.jsonl"): f"error: {blocker / 'g.jsonl'}: cannot be created",
    }
    for log, message in cases.items():
        result = wargame("play", str(SCENARIO), "--teams", "USA", "--log", log)
        assert result.returncode == 74, result.stderr
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
        assert "Turn 0" not in result.stdout
    assert not Path("/proc/x.jsonl").exists()


def test_ctrl_c_at_a_prompt_says_the_game_is_saved_and_how_to_go_on(tmp_path):
    """Ctrl-C at a prompt: the lecturer is told the game is saved, and --resume.

    The log holds every accepted move; the status is 130, as for every command.
    """
    log = tmp_path / "game.jsonl"
    command = [
        sys.executable, "-m", "sim.cli", "play", str(SCENARIO),
        "--teams", "USA,CHN", "--log", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=restore_ctrl_c,  # pytest may run as a job that ignores Ctrl-C
    )
    try:
        screen = Screen(process.stdout.fileno())
        screen.wait_for("USA move (help)> ")
        process.stdin.write(b"posture 0.5\n")
        process.stdin.flush()
        screen.wait_for("CHN move (help)> ")
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    out = screen.text + rest.decode()
    assert process.returncode == 130
    assert err.decode() == "interrupted\n"
    assert f"the game is saved in {log}; continue with --resume {log}" in out
    assert GameSession.resume(log).moves == {"USA": {"posture": 0.5}}


def test_ctrl_c_while_a_command_runs_says_it_may_need_typing_again(tmp_path):
    """Ctrl-C in the middle of playing a turn: that command may be lost, said so."""

    class Interrupted(GameSession):
        def next_turn(self) -> None:
            raise KeyboardInterrupt

    log = tmp_path / "game.jsonl"
    game = Interrupted(SCENARIO, ["USA"], log=log)
    console = Console(width=200, record=True)
    with pytest.raises(KeyboardInterrupt):
        play(game, io.StringIO("\nrewind 5\nnext\n"), console)
    text = console.export_text()
    assert "refused: rewind 5" in text  # a refused command is over, not running
    assert (
        f"Interrupted while playing 'next': the game is saved in {log} up to the "
        "command before it" in text
    )
    assert f"continue with --resume {log}" in text


def test_state_and_theater_ids_are_read_in_any_case(tmp_path):
    """``cbm chn hotline``, ``inject disaster phl``: read as the scenario's ids."""
    log = tmp_path / "game.jsonl"
    result = wargame(
        "play", str(SCENARIO), "--teams", "USA,CHN", "--log", str(log),
        stdin="cbm chn HOTLINE; exercise jpn 1; patrol Taiwan_Strait 0.5\n"
        "\nInject DISASTER phl typhoon\ninject crisis chn,jpn EAST_CHINA_SEA 2\n"
        "next\nquit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "refused" not in result.stdout and "unknown command" not in result.stdout
    _, events = read_log(log)
    assert events[0]["move"] == {
        "cbm": {"CHN": "hotline"},
        "exercise": {"JPN": 1.0},
        "patrol": {"taiwan_strait": 0.5},
    }
    injects = [e["inject"] for e in events if e["event"] == "inject"]
    assert [(j["kind"], j["parties"]) for j in injects] == [
        ("disaster", ["PHL"]),
        ("crisis", ["CHN", "JPN"]),
    ]
    assert injects[1]["theater"] == "east_china_sea"
    assert GameSession.resume(log).turn == 1


def test_next_at_a_team_prompt_plays_the_turn_with_advice_for_the_rest(tmp_path):
    """An absent team does not block `wargame play`: `next` plays the turn."""
    log = tmp_path / "game.jsonl"
    result = wargame(
        "play", str(SCENARIO), "--teams", "USA,CHN,JPN", "--log", str(log),
        stdin="posture 0.75\nnext\nquit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Turn 1 of 8" in result.stdout
    assert (
        "The instructor played the turn without waiting: the doctrine's advice was "
        "played for CHN, JPN." in result.stdout
    )
    _, events = read_log(log)
    moves = [(e["team"], e.get("by")) for e in events if e["event"] == "move"]
    assert moves == [("USA", None), ("CHN", "instructor"), ("JPN", "instructor")]
    assert GameSession.resume(log).turn == 1


def test_a_control_command_at_a_team_prompt_says_where_it_goes(tmp_path):
    """`inject` typed at a team's prompt names the control prompt, then still works."""
    log = tmp_path / "game.jsonl"
    result = wargame(
        "play", str(SCENARIO), "--teams", "USA", "--log", str(log),
        stdin="inject disaster PHL typhoon\nEnd\n\ninject disaster PHL typhoon\n"
        "quit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for command in ("inject", "end"):
        assert (
            f"refused: {command!r} is the control cell's: type it at the control "
            "prompt, which comes once every team has moved" in result.stdout
        )
    _, events = read_log(log)
    assert [e["event"] for e in events] == ["move", "inject"]


def test_an_inject_magnitude_that_is_no_number_is_refused_with_its_meaning(tmp_path):
    """`0,9` or `abc` is no factor of 1 and no note: the kind's magnitude is named."""
    log = tmp_path / "game.jsonl"
    result = wargame(
        "play", str(SCENARIO), "--teams", "USA", "--log", str(log),
        stdin="\ninject budget_shock CHN 0,9\ninject budget_shock CHN abc\n"
        "inject treaty_change USA,JPN\nquit\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        "refused: inject budget_shock: '0,9' is not a number; its magnitude is a "
        "spending factor for the step (0.9: a 10% cut), 0 or more" in result.stdout
    )
    assert "refused: inject budget_shock: 'abc' is not a number" in result.stdout
    assert (
        "refused: the inject's magnitude: missing; an inject of kind treaty_change "
        "needs a tie " in result.stdout
    )
    _, events = read_log(log)
    assert [e for e in events if e["event"] == "inject"] == []


def test_a_misspelt_theater_is_named_with_the_theaters():
    """`east_chna_sea` is neither taken as the note nor left as a missing theater."""
    with pytest.raises(GameError) as refused:
        parse_inject(["crisis", "CHN,JPN", "east_chna_sea", "2"], THEATERS)
    assert str(refused.value) == (
        "inject crisis: 'east_chna_sea' is no theater of this scenario; theaters: "
        "east_china_sea, south_china_sea"
    )


def test_the_terminal_names_rungs_and_dates_as_the_pages_do():
    """``show of force`` and ``2024 Q2``, not ``show_of_force`` and ``2024.25``."""
    game = GameSession(SCENARIO, ["CHN", "JPN"])
    console = Console(width=300, record=True)
    play(
        game,
        io.StringIO("\n\ninject crisis CHN,JPN east_china_sea 2 collision\nnext\n"
                    "help\nquit\n"),
        console,
    )  # fmt: skip
    text = console.export_text()
    assert "Turn 0 of 8 - 2024 Q1" in text and "Turn 1 of 8 - 2024 Q2" in text
    assert "2024.00" not in text and "2024.25" not in text
    assert "show of force" in text
    assert [r for r in (*RUNGS, *ACTIONS) if "_" in r and r in text] == []
    assert parse_move("crisis JPN back down") == {"crisis": {"JPN": "back_down"}}


def test_a_game_over_offers_the_control_cell_a_rewind():
    """After ``end`` the control prompt stays: a rewind plays on, nothing else does."""
    game = GameSession(SCENARIO, ["USA"])
    console = Console(width=200, record=True)
    play(game, io.StringIO("\n\n\nend\nnext\nhelp\nrewind 0\nquit\n"), console)
    text = console.export_text()
    assert "control, game over (rewind N from 0 to 1, quit, help)> next" in text
    assert (
        "refused: the game is over: rewind TURN to play on from an earlier turn, "
        "or quit" in text
    )
    assert "rewind TURN  go back to the start of TURN (0 to 1) and play on" in text
    assert "USA move (help)> quit\nStopped at turn 0" in text  # played on
    assert game.turn == 0 and not game.finished


def test_a_finished_game_resumed_can_be_rewound(tmp_path):
    """Out of turns, ``--resume`` offers a rewind; at the end of input it stops."""
    log = tmp_path / "game.jsonl"
    game = GameSession(SCENARIO, ["USA"], log=log)
    while not game.finished:
        game.submit("USA", {})
        game.next_turn()
    stopped = wargame("play", "--resume", str(log))
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.endswith("(rewind N from 0 to 8, quit, help)> \n")
    assert GameSession.resume(log).finished
    rewound = wargame("play", "--resume", str(log), stdin="rewind 6\nquit\n")
    assert rewound.returncode == 0, rewound.stderr
    assert "Turn 6 of 8" in rewound.stdout
    assert GameSession.resume(log).turn == 6
