"""The classroom server: a page per role, authority on the server, live updates.

``wargame serve`` starts it (:func:`serve`). One game, one server, three kinds
of page:

- a **team page** per team, at ``/team/CODE`` (CODE: the team's join code):
  its own situation, its form, the public news and its private news; a move
  posted there is a move of that team, whatever the request says, and for the
  turn the form was shown for (its ``turn`` field, required): one that arrives
  after that turn was played (or rewound) is refused with 409, not counted for
  the turn now open;
- the **control page** at ``/control/SECRET``: the only page that can play
  the turn, inject, pause, set the turn timer, rewind, reset or end; SECRET is
  a long random token printed in the instructor's terminal, and the control
  routes also refuse any client that is not on this machine (a loopback
  address, or the very address the request came in on: a browser on the
  instructor's laptop that opens the printed ``--host`` link), so a student
  who learns the address still cannot use it;
- the **projector page** at ``/projector``: read only, public news, the map,
  the escalation curve and the region's table, fitting 1024x768 unscrolled.

Every page listens to ``/events`` (server-sent events): after any accepted
move, inject, timer or turn the server bumps a version number and every page
fetches its own live part again, so it updates within a second without a
refresh.

Why Starlette and not Solara (the previous page): Solara shares one reactive
page among its browsers and keeps state in the client's widgets, so hiding a
form or refusing a command according to who sent it means re-implementing
sessions and authority inside the UI layer, and an error re-render wiped the
form. A small ASGI app with one URL per role checks authority where it belongs
(the route), renders plain HTML a browser test can drive, and pushes changes
with server-sent events (one-way, plain HTTP, reconnects by itself). Starlette
and uvicorn are what Solara itself runs on, so the web extra gets smaller. The
game's engine stays the Mesa model inside :class:`GameSession`.
"""

import asyncio
import contextlib
import io
import ipaddress
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from matplotlib.figure import Figure
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from sim.classroom import pages
from sim.classroom.briefing import briefing
from sim.classroom.figures import escalation_curve, region_map
from sim.classroom.session import GameError, GameSession, MoveError
from sim.dynamics.signaling import SIGNAL_KINDS
from sim.scenario import ScenarioError, unread_problem

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Join codes avoid look-alike characters (0/O, 1/I)."""
REPEAT_SECONDS = 2.0
"""An inject sent again as soon as this, the same in the same turn, is refused."""


class RequestError(Exception):
    """A request whose body the server cannot read as a form (answered 400)."""


class StaleTurnError(Exception):
    """A move for a turn that is no longer the game's (answered 409)."""


class Classroom:
    """The served game, who may do what in it, its timer and its version.

    The join codes and the timer's length are the game's (logged, see
    :class:`GameSession`), so a server started on a resumed game keeps the
    teams' links and the timer. A resumed game that was paused holds the time
    its timer had left; one in play starts the turn's countdown afresh (the
    time the server was down does not count against the teams).

    Args:
        game: The game to serve.
        codes: Join code of each team (the game's if None; random for a game
            that has none yet, e.g. a new one or a log of an older version).
        secret: The instructor's token (random if None; never logged).
        timer_minutes: Turn timer length, 0 for none (the game's if None).
    """

    def __init__(
        self,
        game: GameSession,
        *,
        codes: dict[str, str] | None = None,
        secret: str | None = None,
        timer_minutes: float | None = None,
    ) -> None:
        self.game = game
        if codes is None and game.join_codes is None:
            codes = {team: _code() for team in game.teams}
        if codes is not None and codes != game.join_codes:
            game.set_join_codes(codes)
        # in the teams' order: the log keeps the codes sorted by team
        self.codes = {team: game.join_codes[team] for team in game.teams}
        self.teams = {code: team for team, code in self.codes.items()}
        self.secret = secret or secrets.token_urlsafe(16)
        self.lock = threading.Lock()
        self.version = 0
        self.changed = asyncio.Condition()  # binds to the server's loop on use
        self.deadline: float | None = None  # wall-clock time, s since the epoch
        self.remaining: float | None = None  # held while paused
        self._images: dict[str, tuple[int, bytes]] = {}
        # when (monotonic s), at which turn, and what the last inject was
        self._last_inject: tuple[float, int, dict[str, Any]] | None = None
        self._drawing = threading.Lock()  # one figure at a time, apart from the game
        if timer_minutes is not None and timer_minutes != (game.timer_minutes or 0):
            self.set_timer(timer_minutes)
        elif game.paused and game.timer_left is not None:
            self.remaining = game.timer_left
        else:
            self._restart_timer()

    # ------------------------------------------------------------- timer

    @property
    def timer_seconds(self) -> float | None:
        """The turn timer's length in seconds (None: no timer)."""
        minutes = self.game.timer_minutes
        return None if minutes is None else minutes * 60

    def set_timer(self, minutes: float) -> None:
        """Start a turn timer of ``minutes`` (0 stops it); it restarts each turn."""
        self.game.set_timer(minutes)
        self._restart_timer()

    def _restart_timer(self) -> None:
        """The turn's countdown from the start: running, or held while paused."""
        seconds = None if self.game.finished else self.timer_seconds
        if self.game.paused:
            self.deadline, self.remaining = None, seconds
        else:
            self.deadline = None if seconds is None else time.time() + seconds
            self.remaining = None

    def timer(self) -> dict[str, Any]:
        """The timer as pages show it."""
        return {"deadline": self.deadline, "remaining": self.remaining}

    def expired(self) -> bool:
        """Whether the turn timer has run out on an open game."""
        return (
            self.deadline is not None
            and time.time() >= self.deadline
            and not self.game.finished
            and not self.game.paused
        )

    # ---------------------------------------------------------- commands

    def control(self, command: str, data: dict[str, Any]) -> None:
        """Run one instructor command (under the lock); raises on a bad one."""
        game = self.game
        turn = game.turn
        if command == "next":
            game.next_turn()
        elif command == "advise":
            game.play_waiting("instructor")
        elif command == "inject":
            self._inject(inject_from_form(data))
        elif command == "pause":
            if self.deadline is not None:
                left = max(0.0, self.deadline - time.time())
                self.remaining, self.deadline = left, None
            game.pause(self.remaining)
        elif command == "resume":
            game.resume_play()
            if self.remaining is not None:
                self.deadline, self.remaining = time.time() + self.remaining, None
        elif command == "timer":
            self.set_timer(_number(data.get("minutes"), "minutes"))
        elif command == "rewind":  # a blank turn: the previous one
            back = data.get("turn")
            game.rewind(
                max(turn - 1, 0) if back in (None, "") else _whole(back, "turn")
            )
            self._restart_timer()
        elif command == "reset":
            game.rewind(0)
            self._restart_timer()
        elif command == "end":
            game.end()
            self.deadline = self.remaining = None
        else:
            raise GameError(f"unknown command {command!r}")
        if game.turn != turn:
            self._restart_timer()

    def _inject(self, inject: dict[str, Any]) -> None:
        """Inject, unless it repeats the last inject within :data:`REPEAT_SECONDS`.

        The same inject sent again that soon, in the same turn, is a double
        click on the control page, not a second event: it is refused.
        """
        now, turn = time.monotonic(), self.game.turn
        if self._last_inject is not None:
            at, then, last = self._last_inject
            if (then, last) == (turn, inject) and now - at < REPEAT_SECONDS:
                raise GameError(
                    "the same inject was entered a moment ago (a double click?) "
                    "and counts once; to inject it a second time, send it again "
                    f"after {REPEAT_SECONDS:g} seconds"
                )
        self.game.inject(inject)
        self._last_inject = (now, turn, inject)

    def time_out(self) -> None:
        """The timer ran out: play the advice for the waiting teams, then the turn."""
        self.game.play_waiting("timer")
        self._restart_timer()

    # ----------------------------------------------------------- images

    def figure_of(self, name: str) -> Callable[[], Figure]:
        """What the projector's map or curve needs, taken now (under the lock).

        Returns a function that draws it, safe to call without the lock: it
        holds the world and series of this moment (a turn replaces the
        world, it does not change it), so drawing never blocks the game.
        """
        model, turn = self.game.model, self.game.turn
        spec, world = model.spec, model.world
        if name == "map":
            title = f"Alliances, A2/AD and crises, turn {turn}"
            return lambda: region_map(spec, world, title, size=(7.2, 4.4))
        rung = model.model_frame()["max_rung"].to_numpy()
        return lambda: escalation_curve(
            rung,
            start_year=spec.info.start_year,
            dt_years=spec.info.dt_years,
            turns=model.horizon,
            size=(7, 2.9),
        )

    def image(self, name: str, version: int, draw: Callable[[], Figure]) -> bytes:
        """The projector's map or curve as PNG, drawn once per version."""
        with self._drawing:
            cached = self._images.get(name)
            if cached is None or cached[0] != version:
                buffer = io.BytesIO()
                draw().savefig(buffer, format="png", dpi=100)
                self._images[name] = (version, buffer.getvalue())
            return self._images[name][1]

    def links(self, base: str = "") -> dict[str, str]:
        """Each team's page, under ``base`` (e.g. ``http://10.0.0.2:8765``)."""
        return {team: f"{base}/team/{code}" for team, code in self.codes.items()}


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def move_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """A move from the team form's fields; blank fields are left to the advice.

    A signal's partner chosen with its level blank is left to the advice too
    (a level absent from the form, not blank, is a full one).

    Raises:
        MoveError: A number field holds something else (a boolean included),
            or a choice field (a crisis action, a partner, a theater, a CBM)
            holds something other than text; the message names the field.
    """
    move: dict[str, Any] = {}
    for key in ("budget_change_pct", "posture"):
        value = data.get(key)
        if value not in (None, ""):
            move[key] = _number(value, key, error=MoveError)
    crisis = {}
    for key in data:
        action = _choice(data, key) if key.startswith("crisis.") else None
        if action is not None:
            crisis[key.split(".", 1)[1]] = action
    if crisis:
        move["crisis"] = crisis
    for kind in SIGNAL_KINDS:
        target = _choice(data, f"{kind}.with")
        level = data.get(f"{kind}.level", 1)  # a form without the field: a full one
        if target is not None and level not in (None, ""):  # blank: the advice
            move[kind] = {target: _number(level, f"{kind} level", MoveError)}
    partner = _choice(data, "cbm.with")
    if partner is not None:
        move["cbm"] = {partner: _choice(data, "cbm.kind")}
    return move


def _shown_turn(data: dict[str, Any]) -> int:
    """The turn a team's form was shown for (its ``turn`` field)."""
    if data.get("turn") is None:
        raise RequestError(
            "turn: missing; a move says which turn it is for (the team page sends "
            "the turn its form shows), so that one arriving after the turn was "
            "played is not counted for the next"
        )
    return _whole(data["turn"], "turn")


def _choice(data: dict[str, Any], key: str) -> str | None:
    """A choice field of the team form: its text, None if blank or absent."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MoveError(
            f"{key}: {value!r} is not one of the form's choices; send its text, "
            'e.g. "hold", "JPN" or "taiwan_strait"'
        )
    return value


def inject_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """An inject from the control form's fields (checked by the scenario)."""
    parties = data.get("parties") or []
    inject: dict[str, Any] = {
        "kind": data.get("kind"),
        "parties": list(parties) if isinstance(parties, list) else [parties],
        "note": str(data.get("note") or ""),
    }
    if inject["kind"] == "crisis":
        inject["theater"] = data.get("theater")
        if data.get("rung") not in (None, ""):
            inject["rung"] = _whole(data.get("rung"), "rung")
    elif data.get("magnitude") not in (None, ""):
        inject["magnitude"] = _number(data.get("magnitude"), "magnitude")
    if problem := unread_problem(inject):
        raise GameError(f"inject {inject['kind']}: {problem}")
    return inject


def _number(value: Any, name: str, error: type[Exception] = GameError) -> float:
    if isinstance(value, bool):  # float(True) is 1.0: a tick box, not a number
        raise error(f"{name}: {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise error(f"{name}: {value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise error(f"{name}: {value!r} is not a finite number")
    return number


def _whole(value: Any, name: str) -> int:
    number = _number(value, name)
    if number != int(number):
        raise GameError(f"{name}: {value!r} is not a whole number")
    return int(number)


def _message(err: Exception) -> str:
    if isinstance(err, ScenarioError):
        return "; ".join(err.problems)
    return str(err)


def create_app(room: Classroom) -> Starlette:
    """The ASGI app serving ``room``."""

    async def changed() -> None:
        room.version += 1
        async with room.changed:
            room.changed.notify_all()

    async def locked(fn: Callable[[], Any]) -> Any:
        def run() -> Any:
            with room.lock:
                return fn()

        return await anyio.to_thread.run_sync(run)

    def team_of(request: Request) -> str:
        team = room.teams.get(request.path_params["code"].upper())
        if team is None:
            raise LookupError
        return team

    def instructor(request: Request) -> bool:
        secret = request.path_params["secret"]
        return _on_this_machine(request) and secrets.compare_digest(secret, room.secret)

    def refused() -> Response:
        return JSONResponse(
            {"error": "not allowed: this page cannot do that"}, status_code=403
        )

    def no_team() -> Response:
        name = room.game.model.spec.info.name
        return HTMLResponse(pages.no_team_page(name), status_code=404)

    async def landing(request: Request) -> Response:
        return HTMLResponse(pages.landing_page(room.game.model.spec.info.name))

    async def join(request: Request) -> Response:
        code = request.query_params.get("code", "").strip().upper()
        if code not in room.teams:
            return no_team()
        return RedirectResponse(f"/team/{code}", status_code=303)

    async def team_page(request: Request) -> Response:
        try:
            team = team_of(request)
        except LookupError:
            return no_team()
        code = room.codes[team]
        return HTMLResponse(
            await locked(lambda: pages.team_page(room.game, team, code, room.timer()))
        )

    async def team_live(request: Request) -> Response:
        try:
            team = team_of(request)
        except LookupError:
            return refused()

        def render() -> dict[str, str]:
            return {
                "live": pages.team_live(room.game, team, room.timer()),
                "form": pages.team_form(room.game, team),
                "key": pages.form_key(room.game),
            }

        return JSONResponse(await locked(render))

    async def team_move(request: Request) -> Response:
        try:
            team = team_of(request)
        except LookupError:
            return refused()

        def submit(shown: int, move: dict[str, Any]) -> None:
            now = room.game.turn
            if shown != now:
                raise StaleTurnError(
                    f"this move was for turn {shown}, but the game is now at turn "
                    f"{now}; it was not recorded. Check the new situation (reload "
                    "the page if its form still shows the old turn) and submit again"
                )
            room.game.submit(team, move)

        try:
            data = await _json(request)
            shown = _shown_turn(data)
            move = move_from_form(data)
            await locked(lambda: submit(shown, move))
        except StaleTurnError as err:
            return JSONResponse({"error": str(err)}, status_code=409)
        except (RequestError, MoveError, GameError) as err:
            return JSONResponse({"error": _message(err)}, status_code=400)
        await changed()
        return JSONResponse({"submitted": move})

    async def briefing_page(request: Request) -> Response:
        try:
            team = team_of(request)
        except LookupError:
            return no_team()
        b = await locked(lambda: briefing(room.game, team))
        return HTMLResponse(pages.handouts_page(f"Briefing {team}", [b]))

    async def control_page(request: Request) -> Response:
        if not instructor(request):
            return HTMLResponse("Not allowed.", status_code=403)
        return HTMLResponse(
            await locked(
                lambda: pages.control_page(
                    room.game, room.secret, room.timer(), room.links(_base(request))
                )
            )
        )

    async def control_live(request: Request) -> Response:
        if not instructor(request):
            return refused()
        html = await locked(
            lambda: pages.control_live(
                room.game, room.timer(), room.links(_base(request))
            )
        )
        return JSONResponse({"live": html})

    async def control_command(request: Request) -> Response:
        if not instructor(request):
            return refused()
        command = request.path_params["command"]
        try:
            data = await _json(request)
            await locked(lambda: room.control(command, data))
        except (RequestError, MoveError, GameError, ScenarioError, ValueError) as err:
            return JSONResponse({"error": _message(err)}, status_code=400)
        await changed()
        return JSONResponse({"done": command})

    async def handouts(request: Request) -> Response:
        if not instructor(request):
            return HTMLResponse("Not allowed.", status_code=403)
        game = room.game
        every = await locked(lambda: [briefing(game, t) for t in game.teams])
        return HTMLResponse(pages.handouts_page("Briefings", every))

    async def projector(request: Request) -> Response:
        return HTMLResponse(
            await locked(
                lambda: pages.projector_page(room.game, room.timer(), room.version)
            )
        )

    async def projector_live(request: Request) -> Response:
        html = await locked(
            lambda: pages.projector_live(room.game, room.timer(), room.version)
        )
        return JSONResponse({"live": html})

    async def image(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("map", "curve"):
            return Response(status_code=404)
        version = room.version
        draw = await locked(lambda: room.figure_of(name))
        png = await anyio.to_thread.run_sync(room.image, name, version, draw)
        return Response(png, media_type="image/png")

    async def events(request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            seen = room.version
            yield f"data: {seen}\n\n"
            while True:
                if not await _wait_for_change(room, seen, timeout=15):
                    yield ": still here\n\n"  # keeps proxies from closing it
                    continue
                seen = room.version
                yield f"data: {seen}\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store"},
        )

    async def watch_timer() -> None:
        while True:
            await asyncio.sleep(0.2)
            if room.expired():
                try:
                    await locked(room.time_out)
                except (MoveError, GameError) as err:
                    room.deadline = None
                    print(f"turn timer: {err}", flush=True)
                await changed()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(watch_timer())
        try:
            yield
        finally:
            task.cancel()

    routes = [
        Route("/", landing),
        Route("/join", join),
        Route("/team/{code}", team_page),
        Route("/team/{code}/briefing", briefing_page),
        Route("/team/{code}/move", team_move, methods=["POST"]),
        Route("/live/team/{code}", team_live),
        Route("/control/{secret}", control_page),
        Route("/control/{secret}/handouts", handouts),
        Route("/control/{secret}/{command}", control_command, methods=["POST"]),
        Route("/live/control/{secret}", control_live),
        Route("/projector", projector),
        Route("/live/projector", projector_live),
        Route("/{name}.png", image),
        Route("/events", events),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def _on_this_machine(request: Request) -> bool:
    """Whether the request comes from this machine.

    From a loopback address, or from the address it arrived at: a browser on
    this machine that opens the server's own address (``--host 192.168.1.20``)
    sends from that address, which no other machine can (it would not get
    the answer to its connection).
    """
    client = request.client.host if request.client else ""
    server = request.scope.get("server") or ("", 0)
    try:
        loopback = ipaddress.ip_address(client).is_loopback
    except ValueError:
        return False
    return loopback or client == server[0]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _wait_for_change(room: Classroom, seen: int, *, timeout: float) -> bool:
    """Wait until the room's version passes ``seen``; False after ``timeout`` s."""
    async with room.changed:
        try:
            await asyncio.wait_for(
                room.changed.wait_for(lambda: room.version > seen), timeout
            )
        except TimeoutError:
            return False
    return True


JSON_TYPES = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}


async def _json(request: Request) -> dict[str, Any]:
    """The request's body: a JSON object of a form's fields.

    Raises:
        RequestError: The body is not JSON (an empty one included), or is JSON
            but not an object (a list, a string, a number, null).
    """
    try:
        data = await request.json()
    except ValueError:  # a JSONDecodeError, or a UnicodeDecodeError
        raise RequestError(
            "the request's body is not JSON; send a JSON object of the form's "
            'fields, e.g. {"posture": 0.5}'
        ) from None
    if not isinstance(data, dict):
        kind = JSON_TYPES.get(type(data), "a number")
        raise RequestError(
            f"the request's body must be a JSON object of the form's fields; this "
            f"one is {kind}"
        )
    return data


def serve(room: Classroom, *, host: str, port: int) -> None:
    """Serve ``room`` until interrupted (uvicorn in this process)."""
    import uvicorn

    uvicorn.run(
        create_app(room),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
