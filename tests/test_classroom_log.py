"""The game log: appended line by line, checked line by line on resume."""

import json
import warnings
from pathlib import Path

import pytest

from sim.classroom.debrief import write_debrief
from sim.classroom.log import GameLogError, GameLogWarning, read_log
from sim.classroom.session import GameSession
from sim.manifest import code_hash

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"


def started(tmp_path: Path) -> Path:
    """A log with a header, two moves and a played turn."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, ["USA", "CHN"], log=log)
    game.submit("USA", {"budget_change_pct": 1})
    game.submit("CHN", {})
    game.next_turn()
    return log


def test_every_event_is_on_disk_as_soon_as_it_is_accepted(tmp_path):
    """Header, each move and the turn are lines of JSON, in order, written at once."""
    log = started(tmp_path)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[0]["format"] == "apwargame-game"
    assert lines[0]["teams"] == ["USA", "CHN"]
    assert [e["event"] for e in lines[1:]] == ["move", "move", "turn"]
    assert lines[1]["move"] == {"budget_change_pct": 1}


def test_a_new_game_refuses_to_overwrite_a_log(tmp_path):
    """Starting a game on an existing log says to resume it instead."""
    log = started(tmp_path)
    with pytest.raises(GameLogError, match="already exists; resume the game"):
        GameSession(SCENARIO, ["USA"], log=log)


def test_a_corrupt_line_is_named_by_its_number(tmp_path):
    """A damaged line before the last is refused with its line number."""
    log = started(tmp_path)
    lines = log.read_text().splitlines(keepends=True)
    lines[2] = '{"event": "mo\n'
    log.write_text("".join(lines))
    with pytest.raises(GameLogError, match=r"g.jsonl:3: corrupt line.* line 3$"):
        GameSession.resume(log)


@pytest.mark.parametrize("cut", ['{"event": "mo', "\0\0\0", '{"event": "mo\n', "\n"])
def test_a_last_line_cut_short_is_left_out_and_replaced(tmp_path, cut):
    """A crash mid-write loses that line only, named; the next line replaces it."""
    log = started(tmp_path)
    whole = log.read_text()
    log.write_text(whole + cut)
    with pytest.warns(GameLogWarning, match=r"g.jsonl:5: the last line is cut short"):
        game = GameSession.resume(log)
    assert game.turn == 1
    assert log.read_text() == whole + cut  # reading alone changes nothing
    game.submit("USA", {"posture": 0.5})
    text = log.read_text()
    assert text.startswith(whole) and text.count("\n") == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, events = read_log(log)
    assert events[-1]["move"] == {"posture": 0.5}


def test_a_whole_last_line_without_its_newline_is_kept(tmp_path):
    """A last line whole but for its newline is an event; the next line follows."""
    log = started(tmp_path)
    log.write_text(log.read_text().rstrip("\n"))
    game = GameSession.resume(log)
    assert game.turn == 1
    game.submit("USA", {})
    assert [e["event"] for e in read_log(log)[1]] == ["move", "move", "turn", "move"]


def test_a_damaged_header_is_never_left_out(tmp_path):
    """A log of one damaged line is refused, not read as an empty game."""
    log = tmp_path / "g.jsonl"
    log.write_text('{"format": "apwar')
    with pytest.raises(GameLogError, match=r"g.jsonl:1: corrupt line"):
        read_log(log)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1}\n', "not a game log of this program"),
        ("", "not a game log of this program"),
        ("[1, 2]\n", "not a JSON object"),
    ],
)
def test_a_foreign_file_is_refused(tmp_path, text, message):
    """A file that is not a game log is refused with a message."""
    path = tmp_path / "other.jsonl"
    path.write_text(text)
    with pytest.raises(GameLogError, match=message):
        read_log(path)


def test_an_unknown_event_is_named_by_its_line(tmp_path):
    """An event this program does not know is refused at its line."""
    log = started(tmp_path)
    log.write_text(log.read_text() + '{"event": "nuke", "turn": 1}\n')
    with pytest.raises(GameLogError, match=r":5: unknown event 'nuke'"):
        read_log(log)


def test_an_edited_log_that_cannot_be_replayed_is_refused(tmp_path):
    """A move the rules forbid, edited into a log, stops the resume with a message."""
    log = started(tmp_path)
    bad = {"event": "move", "turn": 1, "team": "USA", "move": {"posture": 7}}
    log.write_text(log.read_text() + json.dumps(bad) + "\n")
    with pytest.raises(GameLogError, match="cannot be replayed: USA: posture 7"):
        GameSession.resume(log)


def rewrite(log: Path, edit) -> str:
    """Apply ``edit`` to the log's lines (as JSON) and write them back; the text."""
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    edit(lines)
    text = "".join(json.dumps(line) + "\n" for line in lines)
    log.write_text(text)
    return text


def test_the_header_names_the_code_that_wrote_the_log(tmp_path):
    """The header records the package's code hash, as results manifests do."""
    header, _ = read_log(started(tmp_path))
    assert header.code == code_hash()


def test_a_log_from_before_the_code_was_recorded_resumes(tmp_path):
    """A header without the code hash is read, and its game replays."""
    log = started(tmp_path)
    rewrite(log, lambda lines: lines[0].pop("code"))
    assert read_log(log)[0].code == ""
    assert GameSession.resume(log).turn == 1


@pytest.mark.parametrize("code", ["0123456789abcdef", None])
def test_a_turn_that_replays_otherwise_is_refused_naming_the_versions(tmp_path, code):
    """A log whose turn this code plays otherwise is refused, and left as it was.

    The turn's logged spending is changed, as if another version had played
    it: resuming it or writing its debrief would show a game the class never
    saw, so both stop at that turn, name both versions and write nothing.
    """
    log = started(tmp_path)

    def edit(lines: list[dict]) -> None:
        lines[0]["version"] = "0.0.1"
        if code is None:
            lines[0].pop("code")
        else:
            lines[0]["code"] = code
        lines[-1]["outcome"]["milex_usd_m"]["USA"] += 1.0

    text = rewrite(log, edit)
    logged = "code 0123456789ab" if code else "code not recorded"
    message = (
        rf"turn 0 plays out otherwise than the log recorded: the log was written "
        rf"by apwargame 0\.0\.1 \({logged}\), this is .* \(code {code_hash()[:12]}\); "
        "install the code that wrote it"
    )
    with pytest.raises(GameLogError, match=message):
        GameSession.resume(log)
    with pytest.raises(GameLogError, match="turn 0 plays out otherwise"):
        write_debrief(log, tmp_path / "debrief.html", replications=2)
    assert log.read_text() == text
    assert not (tmp_path / "debrief.html").exists()


def test_an_edited_outcome_is_named_as_an_edit(tmp_path):
    """A turn the same code plays otherwise than logged means the log was edited."""
    log = started(tmp_path)
    rewrite(log, lambda lines: lines[-1]["outcome"].update(max_rung=5))
    with pytest.raises(GameLogError, match="this same code wrote it, so it was edited"):
        GameSession.resume(log)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"event": "timer", "minutes": -3}, "timer -3: choose minutes"),
        ({"event": "timer"}, "'minutes'"),
        ({"event": "codes", "codes": {"USA": "AAAAAA"}}, "give one per team"),
        ({"event": "pause", "timer_left": "soon"}, "timer_left 'soon'"),
    ],
)
def test_an_edited_timer_or_join_code_is_refused(event, message, tmp_path):
    """A garbled setting of the served game stops the resume, named."""
    log = started(tmp_path)
    log.write_text(log.read_text() + json.dumps(event) + "\n")
    with pytest.raises(GameLogError, match=f"cannot be replayed: .*{message}"):
        GameSession.resume(log)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_log_that_cannot_be_written_names_its_path(tmp_path):
    """A new game whose log cannot be made says so, with the path; no file left."""
    with pytest.raises(OSError, match="cannot write the game log there") as err:
        GameSession(SCENARIO, ["USA"], log="/proc/x.jsonl")
    assert err.value.filename == "/proc/x.jsonl"
