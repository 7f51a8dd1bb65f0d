"""Scenario comparisons: same seeds for every arm, paired effects, the figure."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import contents, one_error_line, refused_untouched, triad_toml

from sim.cli import main
from sim.compare import compare, field_arms
from sim.experiments import ExperimentError, run_points
from sim.manifest import code_hash
from sim.paired import Arm
from sim.plots.compare import comparison_effects


@pytest.fixture
def triad(write_scenario):
    """The triad over twelve steps."""
    return write_scenario(triad_toml(steps=12), "triad.toml")


def test_an_arm_against_itself_has_no_effect(triad):
    """Same scenario, same seeds: every effect is 0 and its interval holds 0."""
    result = compare(
        [Arm(triad, label="a"), Arm(triad, label="b")], replications=20, seed=5
    )
    table = result.table.set_index("outcome")
    assert (table["effect"] == 0).all()
    assert (table["lower"] <= 0).all() and (table["upper"] >= 0).all()
    assert table.loc["peak_rung", "lower"] == table.loc["peak_rung", "upper"] == 0


def test_estimates_are_each_arm_on_the_same_seed(triad):
    """Each arm's estimate is run_points' mean with the reference's seed."""
    arms = field_arms(triad, "state.RED.resolve", [0.2, 0.9])
    result = compare(arms, replications=12, outcomes=["peak_rung", "crises"])
    means = (
        run_points(
            triad,
            [{"state.RED.resolve": 0.2}, {"state.RED.resolve": 0.9}],
            replications=12,
            seed=11,  # the triad's own seed
        )
        .outcomes.groupby("point")[["peak_rung", "crises"]]
        .mean()
    )
    table = result.table.set_index("outcome")
    np.testing.assert_allclose(table["reference"], means.loc[0])
    np.testing.assert_allclose(table["estimate"], means.loc[1])
    np.testing.assert_allclose(table["effect"], means.loc[1] - means.loc[0])
    assert (table["lower"] <= table["effect"]).all()
    assert (table["effect"] <= table["upper"]).all()
    assert result.seed == 11 and list(table["method"]) == ["t", "t"]


def test_an_outcome_no_replication_moves_is_named_not_read_as_a_known_zero(triad):
    """With escalation off no run has a war: its [0, 0] is named as no evidence."""
    arms = field_arms(triad, "state.RED.resolve", [0.2, 0.9])
    off = {"mechanisms.escalation.enabled": False}
    result = compare(
        arms, replications=12, outcomes=["war_onset", "crises"], settings=off
    )
    assert result.constant == {"war_onset": 0.0}
    assert (
        "One value in every replication of every arm: war_onset = 0. These runs "
        "never differ on it"
    ) in result.markdown()
    moving = compare(arms, replications=12, outcomes=["crises"], settings=off)
    assert moving.constant == {} and "One value" not in moving.markdown()


def test_figure_draws_each_effect_and_interval(triad):
    """One panel per outcome; the point is the effect, the bar its interval."""
    arms = field_arms(triad, "state.RED.resolve", [0.2, 0.9])
    result = compare(arms, replications=10, outcomes=["peak_rung", "war_onset"])
    fig = comparison_effects(result)
    for ax, row in zip(fig.axes, result.table.itertuples(), strict=True):
        container = ax.containers[0]
        x = np.asarray(container.lines[0].get_xdata(), dtype=float)
        np.testing.assert_allclose(x, [row.effect])
        bar = container.lines[2][0].get_segments()[0][:, 0]
        np.testing.assert_allclose(bar, [row.lower, row.upper])


def test_bad_arms_are_refused(triad):
    """One arm, or two of one name, cannot be compared; the error says why."""
    with pytest.raises(ExperimentError, match="at least two arms"):
        compare([Arm(triad)], replications=2)
    with pytest.raises(ExperimentError, match="the same name"):
        compare([Arm(triad), Arm(triad)], replications=2)
    with pytest.raises(ExperimentError, match="at least two values"):
        field_arms(triad, "state.RED.resolve", [0.5])


def test_compare_command_writes_table_and_figure(triad, tmp_path, capsys):
    """``wargame compare --vary`` writes the CSV, the Markdown and the figure."""
    out = tmp_path / "cmp"
    args = [
        "compare", str(triad), "--vary", "state.RED.resolve=0.2,0.9",
        "--replications", "8", "--outcome", "crises", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    table = pd.read_csv(out / "compare.csv")
    assert table["arm"].tolist() == ["state.RED.resolve=0.9"]
    assert (out / "compare.png").stat().st_size > 1000
    assert "| state.RED.resolve=0.9 | crises |" in capsys.readouterr().out
    two = ["compare", str(triad), str(triad), "--vary", "state.RED.resolve=0.2,0.9"]
    assert main(two) == 2
    assert "--vary: give one scenario" in capsys.readouterr().err


def test_settings_apply_alike_to_every_arm(triad):
    """``settings`` is the same as writing the fields into every arm's overrides."""
    alike = {"mechanisms.escalation.perception_noise": 0.0}
    arms = field_arms(triad, "state.RED.resolve", [0.2, 0.9])
    set_once = compare(arms, replications=12, settings=alike)
    by_hand = compare(
        [Arm(a.scenario, {**alike, **a.overrides}, a.name) for a in arms],
        replications=12,
    )
    unset = compare(arms, replications=12)
    pd.testing.assert_frame_equal(set_once.table, by_hand.table)
    assert not set_once.table.equals(unset.table)  # the setting matters here
    assert "every arm with mechanisms.escalation.perception_noise=0.0" in (
        set_once.caption()
    )


def test_a_setting_an_arm_also_varies_is_refused(triad, capsys):
    """A field both set for all and varied by an arm: the error names it."""
    arms = field_arms(triad, "state.RED.resolve", [0.2, 0.9])
    with pytest.raises(ExperimentError, match=re.escape("set state.RED.resolve: arm")):
        compare(arms, replications=2, settings={"state.RED.resolve": 0.5})
    args = [
        "compare", str(triad), "--vary", "state.RED.resolve=0.2,0.9",
        "--set", "state.RED.resolve=0.5", "--replications", "2",
    ]  # fmt: skip
    assert main(args) == 2
    assert "set state.RED.resolve" in capsys.readouterr().err


def test_compare_command_sets_a_field_in_every_arm(triad, tmp_path):
    """``--set`` reaches every arm, and compare.md says so."""
    out = tmp_path / "cmp"
    args = [
        "compare", str(triad), "--vary", "state.RED.resolve=0.2,0.9",
        "--set", "mechanisms.escalation.perception_noise=0", "--replications", "4",
        "--outcome", "crises", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    caption = (out / "compare.md").read_text().splitlines()[0]
    assert caption.endswith(
        "every arm with mechanisms.escalation.perception_noise=0: paired 95% "
        "intervals (Newcombe for 0/1 outcomes, t otherwise)"
    )


def test_an_unknown_outcome_is_named_as_the_flag_before_anything_runs(
    triad, tmp_path, capsys, monkeypatch
):
    """``compare --outcome war_onsets``: one line about --outcome, listing them.

    It is refused before any arm runs its replications, and nothing is written.
    """
    import sim.paired

    def never(*args, **kwargs):
        raise AssertionError("an arm ran before the outcome was checked")

    monkeypatch.setattr(sim.paired, "run_arm", never)
    out = tmp_path / "cmp"
    args = [
        "compare", str(triad), "--vary", "state.RED.resolve=0.2,0.9",
        "--outcome", "crises", "--outcome", "war_onsets",
        "--replications", "4", "--steps", "4", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "error: --outcome 'war_onsets': not an outcome; outcomes: war_onset, "
    )
    assert len(err.splitlines()) == 1 and "crises" in err
    assert not out.exists()


def test_an_outcome_undefined_in_some_replications_names_outcomes_to_use(
    tmp_path, capsys
):
    """A place's deterrence rate without crises there: --outcome, and what instead."""
    out = tmp_path / "cmp"
    args = [
        "compare", "korean_peninsula",
        "--vary", "mechanisms.escalation.war_cost=0.6,0.3",
        "--outcome", "deterrence_success_rate.RUS_CHN",
        "--replications", "4", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "error: --outcome deterrence_success_rate.RUS_CHN: undefined in 3 of 4 "
        "replications of mechanisms.escalation.war_cost=0.6 (a rate or time of "
        "events that did not happen in them), so it has no paired effect; compare "
        "clash_onset.RUS_CHN or war_onset.RUS_CHN instead, defined in every "
        "replication\n"
    )
    assert not out.exists()


def test_one_scenario_given_twice_is_an_a_a_check_named_by_position(tmp_path, capsys):
    """``compare baseline_2024 baseline_2024``: arms 1: and 2:, every effect 0.

    The command line cannot label arms, so arms that would share a name are
    named by their position (docs/cli.md) rather than refused.
    """
    out = tmp_path / "cmp"
    args = [
        "compare", "baseline_2024", "baseline_2024", "--outcome", "crises",
        "--replications", "4", "--steps", "4", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "against 1:baseline_2024 (difference)" in printed
    table = pd.read_csv(out / "compare.csv")
    assert table["arm"].tolist() == ["2:baseline_2024"]
    assert (table["effect"] == 0).all()


def test_compare_claims_its_folder_and_refuses_any_other(triad, tmp_path, capsys):
    """A comparison's folder has a manifest; a batch's or another's is refused."""
    how = "choose another output folder (--out), or delete the folder to start over"
    batch = tmp_path / "batch"
    argv = ["batch", str(triad), "--replications", "2", "--steps", "2"]
    assert main([*argv, "--out", str(batch)]) == 0
    args = ["compare", str(triad), "--vary", "state.RED.resolve=0.2,0.9"]
    args += ["--replications", "4", "--steps", "4", "--outcome", "crises"]
    assert refused_untouched([*args, "--out", str(batch)], batch, capsys) == (
        f"error: {batch} holds the output of `wargame batch`; a compare there "
        f"would replace its manifest.json and lose the batch: {how}"
    )
    out = tmp_path / "cmp"
    assert main([*args, "--out", str(out)]) == 0
    written = json.loads((out / "manifest.json").read_text())
    assert written["kind"] == "compare" and written["replications"] == 4
    assert written["files"] == ["compare.csv", "compare.md", "compare.png"]
    assert written["definition"]["vary"] == "state.RED.resolve=0.2,0.9"
    assert written["code"] == code_hash() and written["seed"] == 11
    assert refused_untouched([*args, "--relative", "--out", str(out)], out, capsys) == (
        f"error: {out} holds a different compare: its manifest.json has "
        f"definition.relative = false, this command true; {how}"
    )
    assert "not a batch folder (it holds the output of `wargame compare`)" in (
        refused_untouched([*argv, "--out", str(out)], out, capsys)
    )
    assert main([*args, "--out", str(out)]) == 0  # the same comparison again
    assert json.loads((out / "manifest.json").read_text())["kind"] == "compare"


def test_compare_refuses_a_folder_of_other_files(triad, tmp_path, capsys):
    """Files of no command, without a manifest, are not a comparison: refused."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = ["compare", str(triad), str(triad), "--replications", "2"]
    assert main([*args, "--steps", "2", "--out", str(out)]) == 2
    assert "does not hold a compare (no manifest.json; it holds notes.txt)" in (
        one_error_line(capsys)
    )
    assert contents(out) == {"notes.txt": b"mine"}


def test_a_relative_comparison_does_not_claim_newcombe_intervals(triad):
    """On the relative scale every interval is t on the log ratio, as captioned."""
    arms = field_arms(triad, "state.RED.resolve", [0.2, 0.9])
    result = compare(arms, replications=12, outcomes=["war_onset"], scale="relative")
    assert set(result.table["method"]) == {"t"}
    assert "Newcombe" not in result.caption()
    assert result.caption().endswith("(t on the log of the ratio, for every outcome)")


def test_a_relative_change_to_an_arm_of_zero_says_why_it_has_no_interval(triad):
    """No crisis in the arm: -100% with an undefined interval, and a note on it."""
    quiet = {
        f"mechanisms.escalation.{k}_rate_per_year": 0.0 for k in ("dispute", "incident")
    }
    result = compare(
        [Arm(triad, label="ref"), Arm(triad, quiet, label="quiet")],
        replications=8,
        outcomes=["crises"],
        scale="relative",
    )
    assert result.table["estimate"].tolist() == [0.0]
    text = result.markdown()
    assert "| -100.0% [undefined, undefined] |" in text
    assert "An arm whose mean is 0 is -100% of its reference with no interval" in text


def test_a_relative_change_from_a_reference_of_zero_is_undefined(triad):
    """No war in the reference arm: the relative change reads undefined, not nan%.

    Nor is it called zero wide: a constant 0 has no relative change at all.
    """
    arms = field_arms(triad, "state.RED.resolve", [0.2, 0.9])
    result = compare(
        arms, replications=4, steps=1, outcomes=["war_onset"], scale="relative"
    )
    assert result.table["reference"].tolist() == [0.0]
    text = result.markdown()
    assert "| undefined [undefined, undefined] |" in text and "nan" not in text
    assert "from a reference of 0 is undefined" in text
    assert "zero wide" not in text


def test_an_outcome_given_twice_is_refused_before_anything_runs(
    triad, tmp_path, capsys
):
    """``--outcome crises --outcome crises``: one line, no table, no figure."""
    argv = ["compare", str(triad), "--vary", "state.RED.resolve=0.2,0.9"]
    argv += ["--outcome", "crises", "--outcome", "crises", "--replications", "3"]
    argv += ["--steps", "2", "--out", str(tmp_path / "c")]
    assert refused_untouched(argv, tmp_path, capsys) == (
        "error: --outcome crises: given more than once"
    )


def test_a_0_1_outcome_no_replication_tells_apart_has_no_relative_interval(triad):
    """Clashes in the same replications of both arms: undefined, not [+0%, +0%].

    The log ratio's t interval would be zero wide; the note says why there is
    none and names the difference scale, whose Newcombe interval keeps a width.
    """
    arms = [Arm(triad, label="a"), Arm(triad, label="b")]
    kept = {"replications": 20, "seed": 5, "outcomes": ["clash_onset"]}
    result = compare(arms, scale="relative", **kept)
    row = result.table.iloc[0]
    assert row["reference"] == 0.5 and row["method"] == "none"
    assert np.isnan(row["lower"]) and np.isnan(row["upper"])
    text = result.markdown()
    assert "| +0.0% [undefined, undefined] |" in text
    assert "No replication told these arms from the reference (b: clash_onset)" in text
    assert "One value" not in text
    difference = compare(arms, **kept).table.iloc[0]
    assert difference["method"] == "newcombe"
    assert difference["lower"] < 0 < difference["upper"]
