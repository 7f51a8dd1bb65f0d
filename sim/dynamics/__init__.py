"""One module per mechanism: pure array functions, vectorised over (R, N).

Nothing here imports Mesa, pandas or matplotlib. :data:`MECHANISMS` maps each
``[mechanisms.NAME]`` section of a scenario file to the parameters it accepts: the
scenario loader validates against it, and ``setup.params.NAME`` holds the resolved
values. The order in which the engine runs its steps is :data:`sim.engine.STEPS`.
"""

from sim.dynamics import (
    a2ad,
    alliances,
    arms_race,
    cooperation,
    economy,
    escalation,
    hostility,
    signaling,
)

MECHANISMS: dict[str, type] = {
    "arms_race": arms_race.Params,
    "economy": economy.Params,
    "a2ad": a2ad.Params,
    "alliances": alliances.Params,
    "escalation": escalation.Params,
    "signaling": signaling.Params,
    "cooperation": cooperation.Params,
    "hostility": hostility.Params,
}
