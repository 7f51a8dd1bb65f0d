"""The Mesa face: ``RegionModel`` over a one-replication world, one agent per state.

``RegionModel(scenario=PATH_OR_SCENARIO, rng=SEED)`` runs replication
``replication`` (default 0) of seed ``SEED`` through the same engine as a batch,
so its numbers equal that replication of a batch bit for bit. Mesa 3.5's own
``Model.scenario`` attribute (its experimental ``Scenario``) is left to Mesa;
ours is ``model.spec``.

Each :class:`StateAgent` reads its row of the world arrays as attributes. An agent
given a :class:`Policy` decides for itself: the engine computes the default
doctrine for all states at once, then each policy may replace its own state's
choice before the step is applied.
"""

from functools import partial
from pathlib import Path
from typing import Protocol

import mesa
import numpy as np
import pandas as pd

from sim import engine
from sim.metrics import OutcomeTracker, model_series, state_series
from sim.rng import Draws
from sim.scenario import Scenario, load_scenario


class Policy(Protocol):
    """Something that chooses for one state: a script, a human team, a doctrine."""

    def decide(self, agent: "StateAgent", doctrine: dict[str, float]) -> dict:
        """Return this step's choices, given what the default doctrine would do.

        Args:
            agent: The state deciding (read its attributes for the situation).
            doctrine: The default doctrine's choices, e.g. ``{"milex_usd_m": ...}``.

        Returns:
            The choices to apply, with the same keys (missing keys keep the
            doctrine's value).
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
        return self.spec.posture

    @property
    def resolve(self) -> float:
        """Resolve, 0..1."""
        return self.spec.resolve

    @property
    def threshold(self) -> int:
        """Highest escalation rung the state climbs to first."""
        return self.spec.threshold


class RegionModel(mesa.Model):
    """The Asia-Pacific region as a Mesa model over an R = 1 engine world.

    Args:
        scenario: A scenario file path or a loaded :class:`~sim.scenario.Scenario`.
        rng: Integer seed (the scenario's seed if None). Named as Mesa names it.
        replication: Which replication of that seed to run.
        steps: How many steps the run lasts (the scenario's if None); the model
            stops (``running`` False) after them.
        agent_level: Collect per-state series as well as model-level ones.

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
        self.spec = spec
        self.seed = int(seed)
        self.replication = replication
        self.horizon = spec.info.steps if steps is None else steps
        self.setup = engine.build_setup(spec)
        self.world = engine.initial_world(self.setup, np.array([replication]))
        self.states = [StateAgent(self, i) for i in range(len(spec.states))]
        level = spec.outputs.agent_level if agent_level is None else agent_level
        self.agent_level = level
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "year": "year",
                **{
                    name: partial(_model_value, name=name)
                    for name in model_series(self.world)
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
        self.tracker = OutcomeTracker(self.world, self.setup.dt_years)
        self.running = self.horizon > 0
        self.datacollector.collect(self)

    @property
    def year(self) -> float:
        """Calendar time of the current step, in years."""
        return self.spec.info.start_year + self.world.step * self.setup.dt_years

    def outcomes(self) -> dict[str, float]:
        """Stability outcomes of the run so far (see :mod:`sim.metrics`)."""
        return {k: float(v[0]) for k, v in self.tracker.result().items()}

    def model_frame(self) -> pd.DataFrame:
        """Model-level series, one row per step, with a ``step`` column."""
        frame = self.datacollector.get_model_vars_dataframe()
        return frame.rename_axis("step").reset_index()

    def state_frame(self) -> pd.DataFrame:
        """Per-state series, one row per (step, state); empty unless agent-level."""
        columns = ["step", "state", *state_series(self.world)]
        if not self.agent_level:
            return pd.DataFrame(columns=columns)
        frame = self.datacollector.get_agent_vars_dataframe().reset_index()
        frame["step"] = frame.pop("Step").astype(int)
        return frame[columns]

    def agent(self, state_id: str) -> StateAgent:
        """The agent of a state, by id."""
        return self.states[self.spec.state_index(state_id)]

    def step(self) -> None:
        """Advance one step: doctrine for all, policies override, then apply."""
        draws = Draws(self.seed, self.world.replications, self.world.step)
        decisions = engine.decide(self.world, self.setup, draws)
        for agent in self.states:
            if agent.policy is not None:
                self._apply_policy(agent, decisions)
        self.world = engine.advance(self.world, self.setup, draws, decisions)
        self.tracker.update(self.world)
        self.datacollector.collect(self)
        self.running = self.world.step < self.horizon

    def _apply_policy(self, agent: StateAgent, decisions: engine.Decisions) -> None:
        """Let one agent's policy replace its row of the doctrine's decisions."""
        doctrine = {"milex_usd_m": float(decisions.milex[0, agent.index])}
        choice = agent.policy.decide(agent, dict(doctrine))
        unknown = set(choice) - set(doctrine)
        if unknown:
            raise ValueError(
                f"policy of {agent.state_id} returned unknown choices {sorted(unknown)}"
                f"; allowed: {sorted(doctrine)}"
            )
        milex = choice.get("milex_usd_m", doctrine["milex_usd_m"])
        if not (isinstance(milex, int | float) and np.isfinite(milex) and milex >= 0):
            raise ValueError(
                f"policy of {agent.state_id} chose milex_usd_m={milex!r}; "
                "expected a finite number >= 0"
            )
        decisions.milex[0, agent.index] = milex


def _model_value(model: RegionModel, name: str) -> float:
    """One model-level series' current value (a DataCollector reporter)."""
    return float(model_series(model.world)[name][0])


def _state_value(agent: StateAgent, name: str) -> float:
    """One per-state series' current value for an agent (a DataCollector reporter)."""
    return float(state_series(agent.model.world)[name][0, agent.index])
