"""The Mesa face: ``RegionModel`` over a one-replication world, one agent per state.

``RegionModel(scenario=PATH_OR_SCENARIO, rng=SEED)`` runs replication
``replication`` (default 0) of seed ``SEED`` through the same engine as a batch,
so its numbers equal that replication of a batch bit for bit. Mesa 3.5's own
``Model.scenario`` attribute (its experimental ``Scenario``) is left to Mesa;
ours is ``model.spec``.

Each :class:`StateAgent` reads its row of the world arrays as attributes. An agent
given a :class:`Policy` decides for itself: the engine computes the default
doctrine for all states at once, then each policy may replace its own state's
choice before the step is applied. The random numbers are drawn before any policy
speaks, so the other states' choices are the same whoever decides. Scripted
actions of the scenario (``[[script]]``) are applied inside the engine, so that a
batch replays them too.

Every crisis decision is logged with its factors (:meth:`RegionModel.decision_frame`)
and every crisis summarised (:meth:`RegionModel.crisis_frame`).
"""

from functools import partial
from pathlib import Path
from typing import Protocol

import mesa
import numpy as np
import pandas as pd

from sim import choices, conflict, engine
from sim.crisis_log import DECISION_COLUMNS, crisis_frame, decision_rows
from sim.dynamics.escalation import RUNGS, under_way
from sim.metrics import (
    OutcomeTracker,
    Places,
    model_series,
    state_series,
    theater_series,
)
from sim.rng import Draws
from sim.scenario import Scenario, load_scenario


class Policy(Protocol):
    """Something that chooses for one state: a script, a human team, a doctrine."""

    def decide(self, agent: "StateAgent", doctrine: dict) -> dict:
        """Return this step's choices, given what the default doctrine would do.

        Args:
            agent: The state deciding (read its attributes for the situation).
            doctrine: The default doctrine's choices, e.g. ``{"milex_usd_m":
                1e5, "crisis": {"CHN": "hold"}, "exercise": {"JPN": 1.0},
                "patrol": {"south_china_sea": 0.5}, "declaration": {"PHL": 0.0}}``;
                ``crisis`` maps each opponent in a crisis under way to
                ``back_down``, ``hold`` or ``escalate`` (one draw from the
                doctrine's strategy as the step begins); ``posture`` is a
                number in [0, 1] (0 restraint, 1 forward); ``exercise`` and
                ``declaration`` map each ally, ``patrol`` each theater, to a
                signal level in [0, 1] (see :mod:`sim.dynamics.signaling`).

        Returns:
            The choices to apply, with the same keys (missing keys keep the
            doctrine's value). A crisis action returned is an order, played
            with certainty through the step even where it is the doctrine's
            draw; a crisis left out is played by the doctrine's equilibrium.
        """
        ...


class StateAgent(mesa.Agent):
    """A regional state; its attributes are its row of the model's world."""

    def __init__(self, model: "RegionModel", index: int) -> None:
        super().__init__(model)
        self.index = index
        self.spec = model.spec.states[index]
        self.policy: Policy | None = None

    @property
    def state_id(self) -> str:
        """The state's id (ISO3 code)."""
        return self.spec.id

    @property
    def milex(self) -> float:
        """Military spending, US$ m per year."""
        return float(self.model.world.milex[0, self.index])

    @property
    def capability(self) -> float:
        """Accumulated capability stock, US$ m."""
        return float(self.model.world.capability[0, self.index])

    @property
    def gdp(self) -> float:
        """GDP, US$ m per year."""
        return float(self.model.world.gdp[0, self.index])

    @property
    def burden(self) -> float:
        """Spending as a share of GDP."""
        return self.milex / self.gdp

    @property
    def posture(self) -> float:
        """Deterrence posture, 0 restraint .. 1 forward."""
        return float(self.model.world.posture[0, self.index])

    @property
    def resolve(self) -> float:
        """Resolve, 0..1."""
        return self.spec.resolve

    @property
    def threshold(self) -> int:
        """Highest escalation rung the state climbs to first."""
        return self.spec.threshold

    @property
    def crises(self) -> dict[str, str]:
        """Crises under way: opponent id -> rung name."""
        rung = self.model.world.rung[0, self.index]
        ids = self.model.spec.state_ids
        return {ids[j]: RUNGS[rung[j]] for j in np.flatnonzero(under_way(rung))}


class UnkeyedRandom:
    """Stands in for Mesa's ``model.random`` and ``model.rng``; any use raises.

    A draw from a generator that advances with each call depends on the order of
    the calls, so replication r of a batch would no longer equal the Mesa run of
    replication r. Every random number here comes from :mod:`sim.rng`, keyed by
    (seed, replication, step, stream). Mesa may store this object (an ``AgentSet``
    keeps a reference); only drawing from it, e.g. ``model.agents.shuffle_do``,
    raises.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        raise RuntimeError(
            f"{self._name}.{attribute}: RegionModel draws every random number from "
            "the counter-based streams of sim.rng (keyed by seed, replication, step "
            "and stream), so that a batch equals the Mesa runs bit for bit; declare "
            "a stream for a new mechanism's draws instead of using Mesa's generators"
        )

    def __repr__(self) -> str:
        return f"<{self._name}: unused; draws come from sim.rng>"


class RegionModel(mesa.Model):
    """The Asia-Pacific region as a Mesa model over an R = 1 engine world.

    Args:
        scenario: A scenario file path or a loaded :class:`~sim.scenario.Scenario`.
        rng: Integer seed (the scenario's seed if None). Named as Mesa names it.
        replication: Which replication of that seed to run.
        steps: How many steps the run lasts (the scenario's if None); the model
            stops (``running`` False) after them.
        agent_level: Collect per-state series as well as model-level ones.

    The DataCollector records the model-level series and, after each step, the
    stability outcomes of the run so far (:meth:`outcomes`: ``war_onset``,
    ``crises``, ...), so ``mesa.batch_run`` returns both.

    Examples:
        >>> model = RegionModel(scenario="scenarios/baseline_2024.toml", rng=1)
        >>> model.run_for(8)
        >>> model.datacollector.get_model_vars_dataframe().tail(1)
    """

    def __init__(
        self,
        scenario: str | Path | Scenario,
        *,
        rng: int | None = None,
        replication: int = 0,
        steps: int | None = None,
        agent_level: bool | None = None,
    ) -> None:
        spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        seed = spec.info.seed if rng is None else rng
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise TypeError(f"rng must be an integer seed, not {seed!r}")
        super().__init__(rng=int(seed))
        # Mesa's own generators would draw outside the counter-based streams.
        self.random = UnkeyedRandom("model.random")
        self.rng = UnkeyedRandom("model.rng")
        self.agents.random = self.random  # Mesa made this set with its own
        self.spec = spec
        self.seed = int(seed)
        self.replication = replication
        self.horizon = spec.info.steps if steps is None else steps
        self.setup = engine.build_setup(spec)
        self.world = engine.initial_world(self.setup, np.array([replication]))
        self.states = [StateAgent(self, i) for i in range(len(spec.states))]
        level = spec.outputs.agent_level if agent_level is None else agent_level
        self.agent_level = level
        self.tracker = OutcomeTracker(
            self.world, self.setup.dt_years, places=Places.of(self.setup.scenario)
        )
        self._outcome_names = list(self.tracker.result())
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "year": "year",
                **{
                    name: partial(_model_value, name=name)
                    for name in self._model_series()
                },
                **{
                    name: partial(_outcome_value, name=name)
                    for name in self._outcome_names
                },
            },
            agent_reporters=(
                {"state": "state_id"}
                | {
                    name: partial(_state_value, name=name)
                    for name in state_series(self.world)
                }
                if level
                else None
            ),
        )
        self.crisis_log: list[dict] = []
        self._theater_rows: list[dict[str, np.ndarray]] = []  # (T,) each, per step
        self.running = self.horizon > 0
        self._collect()

    def run_for(self, duration: float | int) -> None:
        """Run ``duration`` steps (Mesa's ``run_for``); 0 steps does nothing.

        Mesa warns (``RuntimeWarning: end time 0.0 is larger than time 0.0``)
        when asked to advance to the time it is already at, but a model of no
        steps (``steps=0``: the world as the scenario sets it) is asked for, not
        a mistake, so Mesa is not called.
        """
        if duration == 0:
            return
        super().run_for(duration)

    @property
    def year(self) -> float:
        """Calendar time of the current step, in years."""
        return self.spec.info.start_year + self.world.step * self.setup.dt_years

    def outcomes(self) -> dict[str, float]:
        """Stability outcomes of the run so far (see :mod:`sim.metrics`)."""
        return {k: float(v[0]) for k, v in self.tracker.result().items()}

    def model_frame(self) -> pd.DataFrame:
        """Model-level series, one row per step, with a ``step`` column.

        The outcomes so far, which the DataCollector also records (so that
        ``mesa.batch_run`` returns them), are left out: see :meth:`outcomes`.
        """
        frame = self.datacollector.get_model_vars_dataframe()
        frame = frame.drop(columns=self._outcome_names)
        return frame.rename_axis("step").reset_index()

    def state_frame(self) -> pd.DataFrame:
        """Per-state series, one row per (step, state); empty unless agent-level."""
        columns = ["step", "state", *state_series(self.world)]
        if not self.agent_level:
            return pd.DataFrame(columns=columns)
        frame = self.datacollector.get_agent_vars_dataframe().reset_index()
        frame["step"] = frame.pop("Step").astype(int)
        return frame[columns]

    def theater_frame(self) -> pd.DataFrame:
        """Each theater's highest rung, standing and reached so far, per step."""
        ids = [t.id for t in self.spec.theaters]
        steps = len(self._theater_rows)
        return pd.DataFrame(
            {
                "step": np.repeat(np.arange(steps), len(ids)),
                "theater": np.tile(ids, steps),
                **{
                    name: np.concatenate([row[name] for row in self._theater_rows])
                    for name in self._theater_rows[0]
                },
            }
        )

    def decision_frame(self) -> pd.DataFrame:
        """Every crisis decision so far with its factors, one row per side and step."""
        return pd.DataFrame(self.crisis_log, columns=list(DECISION_COLUMNS))

    def crisis_frame(self) -> pd.DataFrame:
        """One row per crisis so far (see :meth:`OutcomeTracker.crisis_records`)."""
        return crisis_frame(self.tracker.crisis_records(), self.spec)

    def agent(self, state_id: str) -> StateAgent:
        """The agent of a state, by id."""
        return self.states[self.spec.state_index(state_id)]

    def reschedule(self, scenario: Scenario) -> None:
        """Continue under ``scenario``, the same one with events added from now on.

        An instructor's inject or an agreed confidence-building measure joins the
        scenario (:func:`~sim.scenario.load_scenario` ``events``) at the current
        step or later, so the steps already run are unchanged.
        """
        self.spec = scenario
        self.setup = engine.build_setup(scenario)

    def doctrine(self) -> tuple[engine.Decisions, dict[str, dict]]:
        """This step's default decisions, and each state's as its policy sees them.

        The random numbers are those :meth:`step` will draw, so the advice is
        what the doctrine will choose for a state no policy overrides.
        """
        draws = Draws(self.seed, self.world.replications, self.world.step)
        decisions = engine.decide(self.world, self.setup, draws)
        return decisions, {
            agent.state_id: self._doctrine_view(agent, decisions)
            for agent in self.states
        }

    def step(self) -> None:
        """Advance one step: doctrine for all, policies override, then apply."""
        draws = Draws(self.seed, self.world.replications, self.world.step)
        decisions = engine.decide(self.world, self.setup, draws)
        for agent in self.states:
            if agent.policy is not None:
                self._apply_policy(agent, decisions)
        decided_by = self._scripted()
        decided_by[decisions.ordered[0]] = "policy"
        self.crisis_log += decision_rows(self.world, decisions, self.spec, decided_by)
        self.world = engine.advance(self.world, self.setup, draws, decisions)
        self.tracker.update(self.world)
        self._collect()
        self.running = self.world.step < self.horizon

    def _collect(self) -> None:
        """Record this step's series: Mesa's DataCollector, and each theater's.

        The series are computed once here; the DataCollector's reporters read them.
        """
        self._model_values = self._model_series()
        self._state_values = state_series(self.world)
        self._outcome_values = self.outcomes()
        self.datacollector.collect(self)
        rungs = theater_series(self.world, len(self.spec.theaters))
        rows = {**rungs, **self.tracker.reached()[1]}
        self._theater_rows.append({name: value[0] for name, value in rows.items()})

    def _model_series(self) -> dict[str, np.ndarray]:
        """This step's model-level series, the highest rung reached so far included."""
        return {**model_series(self.world), **self.tracker.reached()[0]}

    def _scripted(self) -> np.ndarray:
        """Who decides each dyad's action this step: ``doctrine`` or ``script``.

        A policy's orders (``Decisions.ordered``) overrule both.
        """
        n = len(self.states)
        decided_by = np.full((n, n), "doctrine", dtype=object)
        i, j = np.divmod(np.arange(n * n), n)
        sides = (np.zeros(n * n, dtype=np.intp), i, j)
        scripted, _ = conflict.scripted_actions(self.setup, self.world.step, sides)
        decided_by[i[scripted], j[scripted]] = "script"
        return decided_by

    def _doctrine_view(self, agent: StateAgent, decisions: engine.Decisions) -> dict:
        """One state's row of the decisions as the policy hook's ``doctrine`` dict."""
        return choices.doctrine_view(self.world, self.setup, decisions, agent.index)

    def _apply_policy(self, agent: StateAgent, decisions: engine.Decisions) -> None:
        """Let one agent's policy replace its row of the doctrine's decisions."""
        doctrine = self._doctrine_view(agent, decisions)
        choice = agent.policy.decide(
            agent, {key: _copy(value) for key, value in doctrine.items()}
        )
        choices.apply_choice(self.world, self.setup, decisions, agent.index, choice)


def _copy(value: object) -> object:
    """A copy of a doctrine entry that a policy may change freely."""
    return dict(value) if isinstance(value, dict) else value


def _model_value(model: RegionModel, name: str) -> float:
    """One model-level series' current value (a DataCollector reporter)."""
    return float(model._model_values[name][0])


def _outcome_value(model: RegionModel, name: str) -> float:
    """One outcome of the run so far (a DataCollector reporter)."""
    return model._outcome_values[name]


def _state_value(agent: StateAgent, name: str) -> float:
    """One per-state series' current value for an agent (a DataCollector reporter)."""
    return float(agent.model._state_values[name][0, agent.index])
