"""The classroom exercise: student teams play states turn by turn.

:mod:`.session` runs a game on top of :class:`~sim.model.RegionModel` (moves go
through the agents' policy hook, instructor injects through the scenario's own
validated ``[[inject]]`` path) and keeps an append-only log (:mod:`.log`), from
which a game resumes or rewinds bit for bit. :mod:`.moves` checks a team's move
against the rules, :mod:`.terminal` plays in a terminal, :mod:`.web` serves the
classroom page (Solara), and :mod:`.debrief` writes the report at the end.
"""
