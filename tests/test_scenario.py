"""Scenario files: loading, ``extends``, overrides, and clear errors."""

import math
import re
from dataclasses import fields
from pathlib import Path

import pytest

from sim import engine
from sim.design import Design, parse_range
from sim.dynamics.alliances import Params
from sim.scenario import (
    Alliance,
    Base,
    Cbm,
    Dispute,
    Forum,
    Info,
    Inject,
    Outputs,
    Rivalry,
    ScenarioError,
    Script,
    Signal,
    Site,
    State,
    Theater,
    bundled_dir,
    load_scenario,
)
from tests.conftest import CRISIS_INJECT, pair_toml, triad_toml

ROOT = Path(__file__).resolve().parent.parent


def problems(path, **kwargs) -> list[str]:
    """The problems a scenario file raises (fails the test if it loads)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)
    return info.value.problems


def test_pair_loads_with_defaults(write_scenario):
    """A minimal file loads; omitted fields take their documented defaults."""
    scenario = load_scenario(write_scenario(pair_toml()))
    assert scenario.state_ids == ("RED", "BLUE")
    assert scenario.info.dt_years == 0.25
    assert scenario.states[0].threshold == 3
    assert scenario.mechanisms["arms_race"].enabled is True
    assert scenario.disputes[0].parties == ("RED", "BLUE")


@pytest.mark.parametrize("path", sorted(bundled_dir().glob("*.toml")), ids=str)
def test_every_bundled_scenario_validates(path):
    """Every scenario shipped in scenarios/ loads without a problem."""
    assert load_scenario(path).info.description


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("milex_usd_m = 100.0", "pair.toml: state[RED].milex_usd_m: -5.0 is below 0"),
        ("milex_usd_m = 100.0", "state[RED].milex_usd_m: nan must be a finite number"),
        ("milex_usd_m = 100.0", "state[RED].milex_usd_m: 'lots' must be a number"),
        ('name = "Red"', "state[RED].name: missing (required)"),
        ("capital = [0.0, 0.0]", "state[RED].capital[0]: 95.0 is above 90.0"),
    ],
)
def test_bad_state_field_is_named_with_its_value(write_scenario, bad, expected):
    """Negative, NaN, wrongly typed, missing and out-of-range values are named."""
    replacement = {
        "-5.0 is below": "milex_usd_m = -5.0",
        "nan must": "milex_usd_m = nan",
        "'lots'": 'milex_usd_m = "lots"',
        "missing": "",
        "95.0": "capital = [95.0, 0.0]",
    }
    new = next(v for k, v in replacement.items() if k in expected)
    text = pair_toml().replace(bad, new, 1)
    assert any(expected in p for p in problems(write_scenario(text)))


def test_unknown_state_in_alliance_is_named(write_scenario):
    """An alliance member that is not a declared state is reported with its id."""
    text = pair_toml(
        extra='[[alliance]]\nname = "Pact"\nmembers = ["RED", "GREEN"]\n'
        'kind = "defense_treaty"\nsince = 1990\n'
    )
    assert problems(write_scenario(text)) == [
        "pair.toml: alliance[Pact].members: 'GREEN' "
        "is not a state declared in [[state]]"
    ]


def test_unknown_mechanism_and_parameter_are_named(write_scenario):
    """A misspelt mechanism or parameter lists what would be right."""
    text = pair_toml(
        extra="[mechanisms.arms_rase]\nenabled = true\n"
        "[mechanisms.arms_race]\nreaction = 0.3\n"
    )
    found = problems(write_scenario(text))
    assert any("mechanisms.arms_rase" in p and "known: arms_race" in p for p in found)
    assert any(
        "mechanisms.arms_race.reaction: is not a known field" in p
        and "reaction_per_year" in p
        for p in found
    )


def test_every_problem_is_reported_at_once(write_scenario):
    """Validation collects all problems instead of stopping at the first."""
    text = (
        pair_toml().replace("steps = 8", "steps = 0").replace("seed = 7", "seed = -1")
    )
    found = problems(write_scenario(text))
    assert len(found) == 2
    assert "scenario.steps: 0 is below 1" in found[0]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("[scenario]", "[scenaro]", "pair.toml: scenario: missing (required)"),
        (
            'kind = "crisis"',
            'kind = "crises"',
            "pair.toml: inject[0].kind: 'crises' is not one of: crisis, disaster, "
            "exercise, treaty_change, budget_shock",
        ),
    ],
)
def test_one_mistake_is_one_problem(write_scenario, old, new, problem):
    """A missing table's fields, or a bad kind's own fields, are not named again."""
    text = pair_toml(extra=CRISIS_INJECT).replace(old, new)
    found = problems(write_scenario(text))
    assert found[0] == problem
    assert len(found) == 1 + ("scenaro" in new)  # and the misspelt table's name


@pytest.mark.parametrize(
    ("kind", "magnitude", "problem"),
    [
        (
            "exercise",
            1.5,
            "pair.toml: inject[0].magnitude: 1.5 must be an exercise level (1: a full "
            "exercise), from 0 to 1",
        ),
        ("exercise", -0.5, "inject[0].magnitude: -0.5 must be an exercise level"),
        ("treaty_change", 2.0, "inject[0].magnitude: 2.0 must be a tie level"),
        ("budget_shock", -1.0, "inject[0].magnitude: -1.0 must be a spending factor"),
    ],
)
def test_an_inject_magnitude_out_of_its_kinds_range_is_named(
    write_scenario, kind, magnitude, problem
):
    """A scenario's exercise above 1 is refused as the other kinds are, not capped."""
    inject = (
        f'[[inject]]\nyear = 2000.0\nkind = "{kind}"\nparties = ["RED", "BLUE"]\n'
        f"magnitude = {magnitude}\n"
    )
    found = problems(write_scenario(pair_toml(extra=inject)))
    assert len(found) == 1 and found[0].startswith("pair.toml: ")
    assert problem in found[0]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            'kind = "crisis"\nparties = ["RED", "BLUE"]\ntheater = "border"\n'
            "magnitude = 3.0",
            "inject[0].magnitude: 3.0 is not read by a crisis inject, which takes a "
            "rung",
        ),
        (
            'kind = "disaster"\nparties = ["RED"]\nmagnitude = 2.0',
            "inject[0].magnitude: 2.0 is not read by a disaster inject, which takes "
            "none",
        ),
        (
            'kind = "exercise"\nparties = ["RED", "BLUE"]\ntheater = "border"',
            "inject[0].theater: 'border' is not read: only a crisis inject takes a "
            "theater",
        ),
    ],
)
def test_an_inject_field_its_kind_does_not_read_is_refused(
    write_scenario, fields, problem
):
    """A crisis's magnitude or an exercise's theater was accepted and ignored."""
    inject = f"[[inject]]\nyear = 2000.0\n{fields}\n"
    assert problems(write_scenario(pair_toml(extra=inject))) == [
        f"pair.toml: {problem}"
    ]


def test_an_inject_field_added_in_play_loads_as_before(write_scenario):
    """A game logged before the refusal replays: its injects come as events."""
    inject = {"year": 2000.0, "kind": "exercise", "parties": ["RED", "BLUE"]}
    events = {"inject": [{**inject, "theater": "border"}]}
    (played,) = load_scenario(write_scenario(pair_toml()), events=events).injects
    assert (played.kind, played.parties) == ("exercise", ("RED", "BLUE"))


def test_a_script_with_no_opponent_is_refused(write_scenario):
    """``crisis = {}`` scripted nothing, in silence."""
    script = '[[script]]\nstate = "RED"\nyear = 2000.0\ncrisis = {}\n'
    assert problems(write_scenario(pair_toml(extra=script))) == [
        'pair.toml: script[0].crisis: names no opponent; e.g. crisis = { CHN = "hold" }'
    ]


GREEN_EXERCISES_BLUE = """
[[signal]]
kind = "exercise"
state = "GREEN"
partners = ["BLUE"]
every_years = 1.0
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            pair_toml().replace("[[theater]]", "[theater]"),
            "pair.toml: theater: {'id': 'border', 'name': 'Border', 'center': [0.0, "
            "5.0]} must be an array of tables ([[theater]])",
        ),
        (
            triad_toml(extra=GREEN_EXERCISES_BLUE).replace(
                '["GREEN", "BLUE"]', '["GREEN", "BLU"]'
            ),
            "pair.toml: alliance[Green-Blue tie].members: 'BLU' is not a state "
            "declared in [[state]]",
        ),
    ],
)
def test_a_broken_section_is_not_reported_again_where_it_is_named(
    write_scenario, text, problem
):
    """Disputes naming a theater of a broken ``theater``, signals to a broken ally."""
    assert problems(write_scenario(text)) == [problem]


def test_a_start_year_that_leaves_the_events_out_is_named():
    """An event outside the run says the run's start is scenario.start_year's."""
    found = problems("taiwan_strait", overrides={"scenario.start_year": -5})
    assert found[0] == (
        "taiwan_strait.toml: inject[0].year: 2024.5 is at or after the run's end "
        "(0: scenario.start_year = -5 plus 20 steps of 0.25 years)"
    )


def test_wrong_type_of_whole_table_is_named(write_scenario):
    """A key that should be a table but is a value is reported, not a crash."""
    text = "mechanisms = 3\n" + pair_toml()
    assert any(
        "mechanisms" in p and "is not a table" in p
        for p in problems(write_scenario(text))
    )


def test_per_state_override_of_a_global_parameter_is_refused(write_scenario):
    """Only per-state parameters may appear under [state.MECHANISM]."""
    text = pair_toml(red="[state.arms_race]\nsteady_start = true\n")
    assert any(
        "state[RED].arms_race.steady_start" in p and "not settable per state" in p
        for p in problems(write_scenario(text))
    )


def test_extends_merges_states_by_id_and_appends_disputes(write_scenario):
    """A variant overrides a field of a known state and keeps the rest."""
    write_scenario(pair_toml(), "base.toml")
    child = write_scenario(
        'extends = "base.toml"\n[scenario]\nname = "variant"\n'
        '[[state]]\nid = "RED"\nresolve = 0.9\n',
        "variant.toml",
    )
    scenario = load_scenario(child)
    assert scenario.info.name == "variant"
    assert scenario.info.description == "Two fictional rivals."
    assert scenario.states[0].resolve == 0.9
    assert scenario.states[0].milex_usd_m == 100.0
    assert len(scenario.states) == 2


def test_error_in_a_variant_names_the_file_that_set_it(write_scenario):
    """A bad value set by the child file is blamed on the child, not the base."""
    write_scenario(pair_toml(), "base.toml")
    child = write_scenario(
        'extends = "base.toml"\n[[state]]\nid = "BLUE"\nposture = 2.0\n', "child.toml"
    )
    assert problems(child) == [
        "child.toml: state[BLUE].posture: 2.0 is above 1.0; expected a value <= 1.0"
    ]


def test_a_variants_entry_that_matches_none_it_extends_is_one_problem(
    write_scenario,
):
    """A misspelt id in a variant makes a new state: said once, with why."""
    write_scenario(pair_toml(), "base.toml")
    child = write_scenario(
        'extends = "base.toml"\n[[state]]\nid = "BLEU"\nposture = 0.2\n', "child.toml"
    )
    assert problems(child) == [
        "child.toml: state[BLEU].name: missing (required); state[BLEU] matches no "
        "state of the files it extends (by id), so it is a new state and needs all "
        "its fields"
    ]
    write_scenario(pair_toml().replace('name = "Blue"', ""), "base.toml")
    child = write_scenario('extends = "base.toml"\n[[state]]\nid = "RED"\n', "c.toml")
    assert problems(child) == ["c.toml: state[BLUE].name: missing (required)"]


def test_cycle_of_extends_is_reported(write_scenario):
    """File a extends b extends a: reported as a cycle, not a recursion error."""
    write_scenario('extends = "b.toml"\n', "a.toml")
    b = write_scenario('extends = "a.toml"\n', "b.toml")
    assert problems(b) == ["a.toml: extends: cycle b.toml -> a.toml -> b.toml"]


def test_the_documented_variant_extends_the_bundled_baseline_from_any_folder(
    write_scenario,
):
    """docs/scenarios.md's example, saved outside scenarios/, loads onto the bundled.

    Its hash is that of the merged content it loaded, the bundled parent's too;
    a file of that name beside it is extended instead.
    """
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, re.DOTALL).group(1)
    assert 'extends = "baseline_2024.toml"' in example
    variant = load_scenario(write_scenario(example, "docex.toml"))
    baseline = load_scenario("baseline_2024")
    assert variant.info.name == "my_variant"
    assert variant.state_ids == baseline.state_ids
    bare = write_scenario('extends = "baseline_2024"\n', "bare.toml")
    assert load_scenario(bare).content_hash == baseline.content_hash
    suffixed = write_scenario('extends = "baseline_2024.toml"\n', "suffixed.toml")
    assert load_scenario(suffixed).content_hash == baseline.content_hash
    local = write_scenario(pair_toml(), "baseline_2024.toml")  # beside it: first
    assert load_scenario(suffixed).content_hash == load_scenario(local).content_hash


@pytest.mark.parametrize("name", ["a2ad", "classroom_crisis"])
def test_a_copy_of_a_bundled_scenario_elsewhere_loads_as_the_bundled(name, tmp_path):
    """A copy extends its bundled parents (a chain of two too); same content, hash."""
    copy = tmp_path / f"{name}.toml"
    copy.write_bytes((bundled_dir() / f"{name}.toml").read_bytes())
    assert load_scenario(copy).content_hash == load_scenario(name).content_hash


@pytest.mark.parametrize("parent", ["nowhere.toml", "nowhere"])
def test_extends_of_neither_a_file_nor_a_bundled_name_says_where_it_looked(
    parent, write_scenario, tmp_path
):
    """The file looked for is named, and the bundled names are listed."""
    child = write_scenario(f'extends = "{parent}"\n', "child.toml")
    [problem] = problems(child)
    assert problem.startswith(
        f"child.toml: extends: {parent}: no file {tmp_path.resolve() / parent} and "
        "no bundled scenario of that name; bundled: "
    )
    assert "baseline_2024" in problem


def test_missing_file_and_bad_toml_are_reported(write_scenario, tmp_path):
    """Unreadable files and syntax errors become ScenarioErrors."""
    assert "cannot read" in problems(tmp_path / "absent.toml")[0]
    assert "not valid TOML" in problems(write_scenario("[scenario\n"))[0]


def test_overrides_apply_dotted_paths(write_scenario):
    """Overrides reach scenario fields, mechanism parameters and named states."""
    scenario = load_scenario(
        write_scenario(pair_toml()),
        overrides={
            "scenario.steps": 3,
            "mechanisms.arms_race.reaction_per_year": 0.4,
            "state.BLUE.resolve": 0.2,
        },
    )
    assert scenario.info.steps == 3
    assert math.isclose(scenario.mechanisms["arms_race"].reaction_per_year, 0.4)
    assert scenario.states[1].resolve == 0.2


def test_bad_override_is_named(write_scenario):
    """An override of an unknown state or field is reported with its path."""
    path = write_scenario(pair_toml())
    assert "no state 'GREEN'" in problems(path, overrides={"state.GREEN.resolve": 1})[0]
    assert (
        "override mechanisms.arms_race.speed"
        in problems(path, overrides={"mechanisms.arms_race.speed": 1})[0]
    )


def test_an_override_path_that_names_no_field_is_named(write_scenario):
    """A path that stops at an entry, or has an empty name, says so in one line."""
    path = write_scenario(pair_toml())
    assert problems(path, overrides={"state.BLUE": 1}) == [
        "override state.BLUE: names state 'BLUE', not one of its fields; give "
        "state.BLUE.FIELD"
    ]
    assert problems(path, overrides={"scenario..steps": 3}) == [
        "override scenario..steps: a name in the path is empty"
    ]


def test_an_override_that_replaces_a_table_is_named_as_the_override(
    write_scenario,
):
    """The bad value came from the override, not from the file."""
    path = write_scenario(pair_toml())
    assert problems(path, overrides={"mechanisms.arms_race": 1}) == [
        "override mechanisms.arms_race: mechanisms.arms_race: 1 is not a table"
    ]


SECTIONS = {
    "scenario": Info,
    "state": State,
    "alliance": Alliance,
    "theater": Theater,
    "dispute": Dispute,
    "rivalry": Rivalry,
    "a2ad_site": Site,
    "base": Base,
    "inject": Inject,
    "script": Script,
    "signal": Signal,
    "cbm": Cbm,
    "forum": Forum,
    "outputs": Outputs,
}


def test_a_base_names_its_state_and_location_or_is_refused(write_scenario):
    """A ``[[base]]`` loads with its state, name and location; mistakes are named."""
    good = '[[base]]\nstate = "RED"\nname = "Forward"\nlocation = [0.0, 4.5]\n'
    scenario = load_scenario(write_scenario(pair_toml(extra=good)))
    assert scenario.bases == (Base("RED", "Forward", (0.0, 4.5)),)
    bad = '[[base]]\nstate = "GREEN"\nname = "Forward"\nlocation = [95.0, 4.5]\n'
    found = problems(write_scenario(pair_toml(extra=bad)))
    assert len(found) == 2
    assert "base[0].state" in found[0] and "GREEN" in found[0]
    assert "base[0].location" in found[1] and "95" in found[1]


def test_the_guide_names_every_field_of_every_section():
    """docs/scenarios.md lists each section's fields (its ``Sections:`` paragraph)."""
    guide = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    paragraph = guide[guide.index("Sections: ") :].split("\n\n")[0]
    parts = re.split(r"`\[\[?([\w.]+)\]\]?`", paragraph)
    named: dict[str, set[str]] = {}
    for section, text in zip(parts[1::2], parts[2::2], strict=True):
        named.setdefault(section, set()).update(re.findall(r"`(\w+)", text))
    missing = {
        section: sorted({f.name for f in fields(kind)} - {"overrides"} - named[section])
        for section, kind in SECTIONS.items()
    }
    assert missing == {section: [] for section in SECTIONS}


def test_content_hash_changes_with_content(write_scenario):
    """Same content, same hash; a changed value, a different hash."""
    path = write_scenario(pair_toml())
    same = load_scenario(path).content_hash == load_scenario(path).content_hash
    other = load_scenario(path, overrides={"scenario.steps": 9}).content_hash
    assert same and other != load_scenario(path).content_hash


ALLIANCE = """
[[alliance]]
name = "Red-Blue pact"
members = ["RED", "BLUE"]
kind = "consultation"
"""


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (
            '[[dispute]]\nparties = ["BLUE", "RED"]\ntheater = "border"\n',
            "pair.toml: dispute: 'BLUE-RED in border' is declared more than once "
            "(each adds its own crises; a variant's entries add to its parent's)",
        ),
        (
            '[[rivalry]]\nparties = ["RED", "BLUE"]\nhostility = 0.2\n' * 2,
            "pair.toml: rivalry: 'BLUE-RED' is declared more than once (each adds "
            "its own crises; a variant's entries add to its parent's)",
        ),
        (
            '[[theater]]\nid = "RED_BLUE"\nname = "Strait"\ncenter = [0.0, 6.0]\n',
            "pair.toml: theater: 'RED_BLUE' names the outcomes (OUTCOME.RED_BLUE) "
            "of both the pair RED-BLUE and the theater RED_BLUE; rename one",
        ),
        (
            ALLIANCE + 'since = 1990\nid = "RB.1"\n',
            "pair.toml: alliance[RB.1].id: 'RB.1' must be a key for "
            "alliance.ID.strength in --set and --param: not empty, no dot",
        ),
    ],
)
def test_a_place_or_tie_that_would_mislead_is_refused(write_scenario, extra, problem):
    """A twice-declared pair doubles its hazard; a shared place name loses a column.

    An alliance id with a dot cannot be picked by a path.
    """
    assert problems(write_scenario(pair_toml(extra=extra))) == [problem]


def test_a_refused_dispute_is_not_also_called_a_repeat(write_scenario):
    """Two disputes whose theater is refused: one problem each, no third."""
    bad = '[[dispute]]\nparties = ["RED", "BLUE"]\ntheater = 5\n'
    assert problems(write_scenario(pair_toml(extra=bad * 2))) == [
        "pair.toml: dispute[1].theater: 5 must be a string",
        "pair.toml: dispute[2].theater: 5 must be a string",
    ]


def test_steady_start_refusal_names_the_variant_that_gives_a_grievance(
    write_scenario,
):
    """The grievance's own file and field, and the parent that sets steady_start."""
    parent = write_scenario(
        pair_toml(extra="[mechanisms.arms_race]\nsteady_start = true\n"), "base.toml"
    )
    child = write_scenario(
        f'extends = "{parent.name}"\n[[state]]\nid = "RED"\n'
        "[state.arms_race]\ngrievance_usd_m_per_year = 5.0\n",
        "child.toml",
    )
    assert problems(child) == [
        "child.toml: state[RED].arms_race.grievance_usd_m_per_year: given, but "
        "mechanisms.arms_race.steady_start = true (base.toml) computes it from the "
        "starting spending; remove one"
    ]


def test_steady_start_with_a_given_grievance_is_refused(write_scenario):
    """steady_start computes the grievance, so setting both is an error."""
    text = pair_toml(
        red="[state.arms_race]\ngrievance_usd_m_per_year = 5.0\n",
        extra="[mechanisms.arms_race]\nsteady_start = true\n",
    )
    assert "steady_start" in problems(write_scenario(text))[0]


def test_unknown_bare_name_lists_the_bundled_scenarios():
    """A name that is neither a file nor bundled: the error lists the bundled names."""
    with pytest.raises(ScenarioError, match=r"bundled: .*baseline_2024"):
        load_scenario("no_such_scenario")


def test_bundled_name_loads_the_bundled_file():
    """A bundled scenario's name loads the same file as its path."""
    by_name = load_scenario("richardson_two_state")
    by_path = load_scenario(bundled_dir() / "richardson_two_state.toml")
    assert by_name.path == by_path.path
    assert by_name.content_hash == by_path.content_hash


def test_an_alliance_takes_its_own_strength_else_its_kinds():
    """``strength`` overrides the kind's default for that alliance only."""
    base = bundled_dir() / "baseline_2024.toml"
    plain = engine.build_setup(load_scenario(base)).conflict.tie
    setup = engine.build_setup(
        load_scenario(base, overrides={"alliance.US-JPN.strength": 0.4})
    )
    scenario, tie = setup.scenario, setup.conflict.tie
    i = scenario.state_index
    assert tie[i("USA"), i("JPN")] == tie[i("JPN"), i("USA")] == 0.4
    assert tie[i("USA"), i("KOR")] == plain[i("USA"), i("KOR")] == 1.0  # same kind
    assert tie[i("CHN"), i("PRK")] == plain[i("CHN"), i("PRK")]


def test_an_alliance_is_found_by_its_id_or_its_name(write_scenario):
    """Overrides pick an alliance by short id or full name; unknown keys fail."""
    path = write_scenario(triad_toml())
    by_name = load_scenario(path, overrides={"alliance.Green-Blue tie.strength": 0.3})
    assert by_name.alliances[0].strength == 0.3
    assert by_name.alliances[0].id == "Green-Blue tie"  # no id: the name
    with pytest.raises(ScenarioError, match="no alliance 'GB'"):
        load_scenario(path, overrides={"alliance.GB.strength": 0.3})


def test_one_alliance_named_twice_in_the_overrides_is_refused():
    """By its id and by its name, one value would silently win over the other."""
    name = (
        "alliance.Treaty of Mutual Cooperation and Security between the United "
        "States and Japan (1960 revision).strength"
    )
    base = bundled_dir() / "baseline_2024.toml"
    assert (
        load_scenario(base, overrides={name: 0.2}).alliances
        == load_scenario(base, overrides={"alliance.US-JPN.strength": 0.2}).alliances
    )
    with pytest.raises(ScenarioError) as refused:
        load_scenario(base, overrides={"alliance.US-JPN.strength": 0.9, name: 0.2})
    assert refused.value.problems == [
        f"override {name}: the same field as alliance.US-JPN.strength; give one"
    ]


def test_an_alliance_id_that_is_another_alliances_name_is_refused(write_scenario):
    """``alliance.KEY`` would pick either of them, so the key must be one's alone."""
    other = """
[[alliance]]
id = "Green-Blue tie"
name = "Red-Blue talks"
members = ["RED", "BLUE"]
kind = "consultation"
since = 1995
"""
    path = write_scenario(triad_toml(extra=other))
    assert problems(path) == [
        "pair.toml: alliance: 'Green-Blue tie' appears more than once; keys must be "
        "unique"
    ]


def test_a_bad_alliance_strength_names_the_alliance(write_scenario):
    """Strength outside [0, 1] fails naming the alliance and the field."""
    path = write_scenario(triad_toml())
    with pytest.raises(ScenarioError, match=r"alliance\[Green-Blue tie\]\.strength"):
        load_scenario(path, overrides={"alliance.Green-Blue tie.strength": 1.5})


def test_alliance_strength_can_be_swept_by_its_id():
    """A sweep range over ``alliance.US-JPN.strength`` gives one tie per point."""
    design = Design("grid", (parse_range("alliance.US-JPN.strength=0.0:1.0:3"),))
    base = bundled_dir() / "baseline_2024.toml"
    ties = []
    for point in design.points():
        setup = engine.build_setup(load_scenario(base, overrides=point))
        i = setup.scenario.state_index
        ties.append(setup.conflict.tie[i("USA"), i("JPN")])
    assert ties == [Params().dialogue_forum, 0.5, 1.0]  # the Quad stays
