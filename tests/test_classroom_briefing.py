"""Team briefings: written from the scenario, with the scenario's own text if given."""

from pathlib import Path

import pytest

from sim.classroom.briefing import briefing
from sim.classroom.briefing_texts import BriefingError, briefings_file
from sim.classroom.session import GameSession
from sim.cli import main

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"


@pytest.fixture(scope="module")
def game() -> GameSession:
    return GameSession(SCENARIO, ["USA", "CHN", "PHL"])


def test_a_briefing_names_alliances_rivals_and_odds(game):
    """PHL's briefing lists its treaty with the USA and its dispute with China."""
    b = briefing(game, "PHL")
    assert b.name == "Philippines"
    assert any("US-Philippines Mutual Defense Treaty" in a for a in b.alliances)
    assert "A claim in South China Sea disputed with CHN." in b.interests
    odds = {(o.rival, o.theater): o for o in b.odds}
    assert ("CHN", "south_china_sea") in odds
    for o in b.odds:
        assert 0 <= o.chance_war <= 1 and 0 <= o.chance_show_of_force <= 1
        assert o.own_power_usd_m > 0 and o.rival_power_usd_m > 0


def test_a_briefing_gives_the_budget_cap_in_numbers_not_a_parameter(game):
    """The cap is a share of the team's GDP and what it buys, not max_share_gdp."""
    budget = briefing(game, "PHL").moves[0]
    assert "max_share_gdp" not in budget
    assert budget.endswith("never beyond 10% of GDP, 46.2 US$ bn a year.")


def test_the_stronger_side_is_likelier_to_prevail_the_higher_the_rung(game):
    """The contest success function grows steeper toward war, on both sides."""
    for team in game.teams:
        for o in briefing(game, team).odds:
            if o.own_power_usd_m > o.rival_power_usd_m:
                assert o.chance_war >= o.chance_show_of_force >= 0.5
            else:
                assert o.chance_war <= o.chance_show_of_force <= 0.5


def test_non_aggression_pacts_allow_no_signals(game):
    """USA's charter with Russia is listed as restraint only."""
    charter = next(a for a in briefing(game, "USA").alliances if "RUS" in a)
    assert "no help in a crisis" in charter
    assert "no joint exercises or pledges" in charter


def test_the_scenario_may_write_its_own_briefing(tmp_path):
    """A sidecar NAME.briefings.toml sets the objectives and adds red lines."""
    scenario = tmp_path / "class.toml"
    scenario.write_text(f'extends = "{SCENARIO}"\n')
    briefings_file(scenario).write_text(
        '[USA]\nobjectives = ["Keep the alliances credible."]\n'
        'red_lines = ["No blockade of Taiwan."]\n'
    )
    game = GameSession(scenario, ["USA", "CHN"])
    usa, chn = briefing(game, "USA"), briefing(game, "CHN")
    assert usa.objectives == ("Keep the alliances credible.",)
    assert usa.red_lines[0] == "No blockade of Taiwan."
    assert chn.objectives[0].startswith("Keep CHN secure")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[XYZ]\nobjectives = ["a"]\n', r"\[XYZ\] is not a state of the scenario"),
        ('[USA]\ngoals = ["a"]\n', "USA.goals is not a briefing field"),
        ('[USA]\nred_line = ["a"]\n', "USA.red_line is not a briefing field"),
        ('[USA]\nobjectives = "a"\n', "USA.objectives = 'a'; expected a list of"),
        ('USA = ["a"]\n', r"USA = \['a'\]; expected a table \[USA\]"),
        ("[USA\n", "cannot be read as TOML"),
        (b'[USA]\nobjectives = ["\xff"]\n', "cannot be read as TOML"),
    ],
)
def test_a_bad_briefings_file_is_refused_when_the_game_is_created(
    tmp_path, text, message
):
    """Each mistake names the file and the key, before a log is written."""
    scenario = tmp_path / "class.toml"
    scenario.write_text(f'extends = "{SCENARIO}"\n')
    path = briefings_file(scenario)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    log = tmp_path / "game.jsonl"
    with pytest.raises(BriefingError, match=message) as refused:
        GameSession(scenario, ["USA"], log=log)
    assert str(refused.value).startswith(f"{path}: ")
    assert not log.exists()


def test_play_refuses_a_bad_briefings_file_in_one_line(tmp_path, monkeypatch, capsys):
    """The play command names what is wrong and where, exits 2, writes no log."""
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "class.toml"
    scenario.write_text(f'extends = "{SCENARIO}"\n')
    briefings_file(scenario).write_text('[USA]\nred_line = ["No blockade."]\n')
    assert main(["play", str(scenario), "--teams", "USA,CHN"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: {briefings_file(scenario)}: USA.red_line is not a briefing field; "
        "use objectives, interests, red_lines\n"
    )
    assert not (tmp_path / "games").exists()
