"""The classroom's HTML: one page per role, and the parts that update live.

Plain server-rendered HTML with a few lines of script (:data:`SCRIPT`): each
page holds a static form and a live part; the script listens to the server's
event stream and, on every change, fetches the page's live part again
(``/live/...``) and swaps it in. A team's form is rebuilt only when a new turn
starts (its crises and choices change then), so what a student has typed is
never wiped by someone else's move. Forms post JSON with ``fetch``: an error is
shown beside the form and the form keeps its values.

Nothing here reads a secret from the request: :mod:`sim.classroom.web` decides
who may see what and passes in only what that role may see.
"""

import html
from typing import TYPE_CHECKING, Any

from sim.classroom.briefing import Briefing
from sim.classroom.moves import describe_move, describe_odds, shown_change_range
from sim.classroom.news import dated, words
from sim.dynamics.escalation import RUNGS, WAR
from sim.dynamics.signaling import CBM_KINDS
from sim.scenario import INJECT_KINDS, INJECT_MAGNITUDES, magnitude_help

if TYPE_CHECKING:
    from sim.classroom.session import GameSession


def esc(value: Any) -> str:
    """Text made safe for HTML."""
    return html.escape(str(value))


def page(title: str, body: str, *, live: str = "", kind: str = "") -> str:
    """A whole page; ``live`` is the URL of its live part (none if empty)."""
    data = f' data-live="{esc(live)}"' if live else ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body class='{kind}'{data}>{body}<script>{SCRIPT}</script></body></html>"
    )


def status_line(game: "GameSession", timer: dict[str, Any]) -> str:
    """Turn, year, state of play and the turn timer (counted down by the script)."""
    model = game.model
    state = "game over" if game.finished else ("paused" if game.paused else "in play")
    clock = ""
    if timer.get("deadline") is not None and not game.finished:
        clock = (
            f" <span class='timer' data-deadline='{timer['deadline'] * 1000:.0f}'>"
            "</span>"
        )
    elif timer.get("remaining") is not None and not game.finished:
        clock = f" <span class='timer'>timer held at {timer['remaining']:.0f} s</span>"
    return (
        f"<div class='status'><b>{esc(model.spec.info.name)}</b> "
        f"<span class='turn'>turn {game.turn} of {model.horizon}</span> "
        f"<span>{_year(game)}</span> <span class='state {state.replace(' ', '-')}'>"
        f"{state}</span>{clock}</div>"
    )


def _year(game: "GameSession", year: float | None = None) -> str:
    """A turn's year as the pages show it (now if None): ``2024 Q2`` by quarter."""
    year = game.model.year if year is None else year
    return dated(year, game.model.spec.info.dt_years)


def news_block(
    game: "GameSession", team: str | None, *, every_team: bool = False
) -> str:
    """This turn's injects, then each turn's news, newest first.

    Args:
        game: The game.
        team: Whose private news to add (None: public only).
        every_team: Add every team's private news (the instructor's view).
    """
    now = "".join(f"<li>{esc(line)}</li>" for line in game.announcements())
    parts = [f"<h3>This turn</h3><ul class='news'>{now}</ul>"] if now else []
    for item in reversed(game.news):
        lines = "".join(f"<li>{esc(s)}</li>" for s in item["public"])
        private = item["private"]
        whose = game.teams if every_team else ([team] if team else [])
        lines += "".join(
            f"<li class='private'><b>{esc(t)} only:</b> {esc(s)}</li>"
            for t in whose
            for s in private.get(t, [])
        )
        parts.append(
            f"<h3>News of turn {item['turn']} ({_year(game, item['year'])})</h3>"
            f"<ul class='news'>{lines}</ul>"
        )
    return "".join(parts) or "<p>No news yet: the first turn is under way.</p>"


def region_table(game: "GameSession") -> str:
    """The public table of states, numbers formatted; teams' rows in bold."""
    rows = "".join(
        f"<tr class='{'team' if r['team'] == 'team' else ''}'><td>{esc(r['state'])}"
        f"</td><td class='n'>{r['milex_usd_m'] / 1000:,.1f}</td><td class='n'>"
        f"{r['burden_pct']:.1f}</td><td class='n'>{r['posture']:.2f}</td>"
        f"<td>{esc(words(r['max_rung']))}</td></tr>"
        for r in game.public_table()
    )
    return (
        "<table class='region'><thead><tr><th>state</th><th>US$ bn/yr</th>"
        "<th>% GDP</th><th>posture</th><th>highest rung</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><p class='hint'>Bold: played by a team.</p>"
    )


def crises_line(game: "GameSession") -> str:
    """The pairs at odds now, with their rungs."""
    crises = game.outcome()["crises"]
    if not crises:
        return "<p class='crises'>No crisis under way.</p>"
    items = "".join(
        f"<li class='{'war' if rung == RUNGS[WAR] else ''}'>{esc(pair)}: "
        f"{esc(words(rung))}</li>"
        for pair, rung in crises.items()
    )
    return f"<ul class='crises'>{items}</ul>"


# ------------------------------------------------------------------ team


def team_live(game: "GameSession", team: str, timer: dict[str, Any]) -> str:
    """A team's live part: status, its situation, what it submitted, the news."""
    s = game.situation(team)
    advice = s["advice"]
    submitted = s["submitted"]
    if game.finished:
        mine = "<p class='done'>The game is over.</p>"
    elif submitted is None:
        mine = "<p class='waiting'>You have not submitted a move this turn.</p>"
    else:
        what = describe_move(submitted) or "follow the doctrine's advice"
        mine = (
            f"<p class='submitted'>You submitted: <b>{esc(what)}</b>. You may "
            "revise it until the turn is played.</p>"
        )
    wars = (
        f"<p class='war'>AT WAR with {esc(', '.join(s['wars']))}.</p>"
        if s["wars"]
        else ""
    )
    crises = (
        ", ".join(f"{esc(k)} at {esc(words(v))}" for k, v in s["crises"].items())
        or "none"
    )
    advised = "; ".join(
        [f"budget {s['advised_change_pct']:+.1f}%", f"posture {advice['posture']:.2f}"]
        + [
            f"{k}: {words(v)} ({describe_odds(s['odds'][k])})"
            for k, v in advice["crisis"].items()
        ]
    )
    waiting = ", ".join(game.waiting_for) or "nobody"
    return (
        status_line(game, timer)
        + mine
        + wars
        + f"<div class='situation'><p><b>{esc(team)}</b>: spending "
        f"{s['milex_usd_m'] / 1000:,.1f} US$ bn a year; posture {s['posture']:.2f}; "
        f"crises: {crises}.</p><p>The doctrine advises: {esc(advised)}.</p>"
        f"<p>Waiting for: {esc(waiting)}.</p></div>" + news_block(game, team)
    )


def team_form(game: "GameSession", team: str) -> str:
    """A team's move form for this turn (blank fields follow the advice).

    Once the game has ended there is no form, only a line that says so.
    """
    if game.finished:
        return "<p class='done'>The game has ended: no more moves can be made.</p>"
    s = game.situation(team)
    least, most = shown_change_range(s["min_change_pct"], s["max_change_pct"])
    ids = [i for i in game.model.spec.state_ids if i != team]
    open_now = s["crisis_actions"]  # escalation only where the threshold opens it
    crisis = "".join(
        f"<label>toward {esc(opp)} ({esc(words(rung))}; the doctrine: "
        f"{esc(describe_odds(s['odds'][opp]))})"
        f"{_select(f'crisis.{opp}', ['', *open_now[opp]], blank='the doctrine')}"
        "</label>"
        for opp, rung in s["crises"].items()
    )
    return f"""
<form id='move' data-post='move' autocomplete='off' novalidate>
<h2>Your move for turn {game.turn}</h2>
<input type='hidden' name='turn' value='{game.turn}'>
<p class='hint'>Leave a field blank to follow the doctrine's advice. A crisis action
is an order your state plays all turn; left to the doctrine, it weighs the crisis
afresh at each moment of decision, with the odds shown.</p>
<label>Budget change, % (from {least:+.1f} to {most:+.1f})
<input name='budget_change_pct' type='number' step='any'
 min='{least:.1f}' max='{most:.1f}'
 placeholder='advice {s["advised_change_pct"]:+.1f}'></label>
<label>Posture, 0 restraint .. 1 forward
<input name='posture' type='number' step='0.05' min='0' max='1'
 placeholder='advice {s["advice"]["posture"]:.2f}'></label>
{f"<fieldset><legend>Crises</legend>{crisis}</fieldset>" if crisis else ""}
<fieldset><legend>Signals (level 0..1)</legend>
<label>Exercise with {_select("exercise.with", ["", *s["allies"]], blank="none")}
{_level("exercise.level")}</label>
<label>Public pledge to {_select("declaration.with", ["", *s["allies"]], blank="none")}
{_level("declaration.level")}</label>
<label>Patrol in {_select("patrol.with", ["", *s["theaters"]], blank="none")}
{_level("patrol.level")}</label>
<label>Offer a confidence-building measure to
{_select("cbm.with", ["", *ids], blank="nobody")}
{_select("cbm.kind", list(CBM_KINDS))}</label>
</fieldset>
<button type='submit'>Submit {esc(team)} move</button>
<p class='error' role='alert'></p>
</form>"""


def _select(name: str, values: list[str], *, blank: str = "") -> str:
    options = "".join(
        f"<option value='{esc(v)}'>{esc(words(v) if v else blank)}</option>"
        for v in values
    )
    return f"<select name='{esc(name)}'>{options}</select>"


def _level(name: str) -> str:
    return (
        f"<input name='{esc(name)}' type='number' min='0' max='1' step='0.1' value='1'>"
    )


def team_page(game: "GameSession", team: str, code: str, timer: dict) -> str:
    """The page bound to one team (its join code is in the URL)."""
    body = (
        f"<header><h1>{esc(team)}</h1><a href='/team/{esc(code)}/briefing' "
        "target='_blank'>your briefing</a></header>"
        f"<main class='two'><section id='form' data-key='{form_key(game)}'>"
        f"{team_form(game, team)}</section>"
        f"<section id='live'>{team_live(game, team, timer)}</section></main>"
    )
    return page(f"{team}: {game.model.spec.info.name}", body, live=f"/live/team/{code}")


def form_key(game: "GameSession") -> str:
    """Changes when a team's form must be rebuilt: a new turn, a rewind, an end."""
    rewinds = sum(e["event"] == "rewind" for e in game.events)
    return f"{game.turn}-{rewinds}-{int(game.finished)}"


# ------------------------------------------------------------- projector


def projector_live(game: "GameSession", timer: dict[str, Any], version: int) -> str:
    """The projector's live part: status; map and curve; crises, news and table.

    Two columns that fit the screen (1024x768 and up, :data:`STYLE`): the map
    above the curve, and the crises and news (scrolling in their own box when
    long) above who is awaited and the region's table.
    """
    news = game.news[-1]["public"] if game.news else []
    now = game.announcements()
    items = "".join(f"<li>{esc(s)}</li>" for s in now + news) or "<li>No news yet.</li>"
    waiting = ", ".join(game.waiting_for) or "nobody"
    return (
        status_line(game, timer) + "<div class='proj'><div class='column'>"
        f"<img class='map' alt='map of the region' src='/map.png?v={version}'>"
        f"<img class='curve' alt='escalation so far' src='/curve.png?v={version}'>"
        f"</div><div class='column'><div class='side'><h3>Crises</h3>"
        f"{crises_line(game)}<h3>{'Latest news' if news else 'News'}</h3>"
        f"<ul class='news'>{items}</ul></div>"
        f"<p class='waiting'>Waiting for: {esc(waiting)}</p>"
        f"<div class='table'>{region_table(game)}</div></div></div>"
    )


def projector_page(game: "GameSession", timer: dict, version: int) -> str:
    """The read-only view for the room's projector."""
    return page(
        f"Projector: {game.model.spec.info.name}",
        f"<section id='live'>{projector_live(game, timer, version)}</section>",
        live="/live/projector",
        kind="projector",
    )


# ------------------------------------------------------------ instructor


def control_live(game: "GameSession", timer: dict, links: dict[str, str]) -> str:
    """The instructor's live part: status, every team's move, all the news."""
    waiting = ", ".join(game.waiting_for) or "nobody"
    rows = "".join(
        f"<tr><td>{esc(t)}</td><td>"
        + (
            esc(describe_move(game.moves[t]) or "(the advice)")
            if t in game.moves
            else "<i>waiting</i>"
        )
        + f"</td><td><a href='{esc(links[t])}' target='_blank'>{esc(links[t])}</a></td>"
        "</tr>"
        for t in game.teams
    )
    return (
        status_line(game, timer)
        + f"<table class='moves'><tr><th>team</th><th>move this turn</th>"
        f"<th>join link</th></tr>{rows}</table>"
        + f"<p class='waiting'>Waiting for: {esc(waiting)}</p>"
        + crises_line(game)
        + news_block(game, None, every_team=True)
    )


def control_page(game: "GameSession", secret: str, timer: dict, links: dict) -> str:
    """The instructor's page (control cell): the only page with the controls."""
    spec = game.model.spec
    theaters = [t.id for t in spec.theaters]
    parties = "".join(
        f"<label class='chk'><input type='checkbox' name='parties' value='{esc(s)}'>"
        f"{esc(s)}</label>"
        for s in spec.state_ids
    )
    rungs = "".join(
        f"<option value='{k}'>{k} {esc(words(RUNGS[k]))}</option>"
        for k in range(1, WAR)
    )
    magnitudes = "".join(
        f"<li>{esc(words(kind))}: {esc(magnitude_help(kind))}</li>"
        for kind in INJECT_MAGNITUDES
    )
    body = f"""
<header><h1>Control cell</h1>
<a href='/projector' target='_blank'>projector view</a>
<a href='/control/{esc(secret)}/handouts' target='_blank'>printable briefings</a>
</header><p class='hint'>Keep this page's address to yourself: it is the only key
to the controls.</p>
<main class='two'><section>
<div class='row'>
<form novalidate data-post='next'><button type='submit'>Next turn</button></form>
<form novalidate data-post='advise'
 data-confirm='Play the turn now, the advice for every team not yet moved?'>
<button type='submit'>Play turn, advice for the waiting</button></form>
<form novalidate data-post='pause'><button type='submit'>Pause</button></form>
<form novalidate data-post='resume'><button type='submit'>Start / Resume</button></form>
<form novalidate data-post='reset'
 data-confirm='Go back to turn 0 (the log keeps this branch)?'>
<button type='submit'>Reset</button></form>
<form novalidate data-post='end' data-confirm='End the game for everyone?'>
<button type='submit' class='danger'>End the game</button></form>
<p class='error' role='alert'></p></div>
<form novalidate data-post='timer'><label>Turn timer, minutes (0: off)
<input name='minutes' type='number' min='0' step='0.05'
 value='{game.timer_minutes or 0:g}'></label>
<button type='submit'>Set timer</button><p class='error' role='alert'></p></form>
<form novalidate id='inject' data-post='inject' autocomplete='off'><h2>Inject</h2>
<label>Kind {_select("kind", list(INJECT_KINDS))}</label>
<fieldset><legend>Parties, in the order you tick them (a crisis's challenger
first)</legend>{parties}<p class='order hint' aria-live='polite'></p></fieldset>
<label>Theater (crisis) {_select("theater", theaters)}</label>
<label>Rung (crisis) <select name='rung'>{rungs}</select></label>
<label>Magnitude (exercise, treaty change, budget shock: needed)
<input name='magnitude' type='number' step='any' placeholder='e.g. 0.9'></label>
<ul class='hint'>{magnitudes}</ul>
<label>Note <input name='note' placeholder='e.g. collision at sea'></label>
<button type='submit'>Inject</button><p class='error' role='alert'></p></form>
<form novalidate data-post='rewind'
 data-confirm='Rewind to that turn (blank: the previous)? The log keeps this branch.'>
<label>Rewind to the start of turn
<input name='turn' type='number' min='0' step='1' placeholder='previous'></label>
<button type='submit'>Rewind</button><p class='error' role='alert'></p></form>
</section><section id='live'>{control_live(game, timer, links)}</section></main>"""
    return page(
        f"Control: {spec.info.name}",
        body,
        live=f"/live/control/{secret}",
        kind="control",
    )


# -------------------------------------------------------------- briefing


def briefing_html(b: Briefing) -> str:
    """One team's briefing, one printed page."""

    def items(lines: tuple[str, ...]) -> str:
        return "".join(f"<li>{esc(s)}</li>" for s in lines)

    odds = "".join(
        f"<tr><td>{esc(o.rival)}</td><td>{esc(words(o.theater))}</td>"
        f"<td class='n'>{o.own_power_usd_m / 1000:,.0f}</td>"
        f"<td class='n'>{o.rival_power_usd_m / 1000:,.0f}</td>"
        f"<td class='n'>{o.chance_show_of_force:.0%}</td>"
        f"<td class='n'>{o.chance_war:.0%}</td></tr>"
        for o in b.odds
    )
    table = (
        "<table><tr><th>rival</th><th>theater</th><th>your power, US$ bn</th>"
        "<th>theirs</th><th>chance to prevail: show of force</th><th>at war</th>"
        f"</tr>{odds}</table>"
        if odds
        else "<p>No rival in any theater.</p>"
    )
    return f"""<article class='briefing'>
<h1>Briefing: {esc(b.name)} ({esc(b.state)})</h1>
<h2>Objectives</h2><ul>{items(b.objectives)}</ul>
<h2>Interests</h2><ul>{items(b.interests)}</ul>
<h2>Alliances and what they commit</h2><ul>{items(b.alliances)}</ul>
<h2>Red lines and rules</h2><ul>{items(b.red_lines)}</ul>
<h2>Odds in a crisis</h2>
<p>Power in the theater counts your own forces after distance and A2/AD, plus
your allies' weighted by commitment and credibility; the chance to prevail is a
contest success function, steeper the higher the rung.</p>{table}
<h2>Costs</h2><ul>{items(b.costs)}</ul>
<h2>Your moves each turn</h2><ul>{items(b.moves)}</ul>
</article>"""


def handouts_page(title: str, briefings: list[Briefing]) -> str:
    """Every team's briefing, one per printed page."""
    body = "".join(briefing_html(b) for b in briefings)
    return page(title, body, kind="print")


def landing_page(name: str) -> str:
    """The address without a code: where to find your page."""
    return page(
        name,
        f"<h1>{esc(name)}</h1><p>This is a classroom wargame. Open the link your "
        "instructor gave your team, or type your team's join code:</p>"
        "<form id='join' action='/join' method='get'><label>Join code "
        "<input name='code' autocomplete='off'></label>"
        "<button type='submit'>Join</button></form>"
        "<p><a href='/projector'>The projector view</a> (read only).</p>",
    )


def no_team_page(name: str) -> str:
    """A join code no team has: say so, with the way back to the landing page."""
    return page(
        name,
        "<h1>No team has that join code</h1><p>Check the code your instructor "
        "gave your team (letters and digits, e.g. 4BGYPB) and "
        "<a href='/'>type it again</a>.</p>",
    )


STYLE = """
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 0.6em 1em;
  max-width: 1400px; color: #1d1d1d; font-size: 16px; }
header { display: flex; gap: 1.2em; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.5em; margin: 0.2em 0; }
h2 { font-size: 1.2em; margin: 0.6em 0 0.3em; }
h3 { font-size: 1.05em; margin: 0.8em 0 0.2em; }
.two { display: grid; gap: 1.5em;
  grid-template-columns: minmax(0, 1fr) minmax(0, 1.2fr); }
@media (max-width: 760px) { .two { grid-template-columns: 1fr; }
  .two #live { order: -1; } }
.row form { display: inline-block; margin-right: 0.4em; }
label { display: block; margin: 0.35em 0; }
input, select, button { font: inherit; padding: 0.3em 0.4em; max-width: 100%; }
input[type=number] { width: 7em; }
fieldset { border: 1px solid #ccc; margin: 0.6em 0; }
label.chk { display: inline-block; margin-right: 0.6em; }
button { background: #1f5faa; color: white; border: 0; border-radius: 4px;
  padding: 0.45em 1em; cursor: pointer; margin: 0.2em 0; }
button.danger { background: #b3261e; }
form { margin-bottom: 0.6em; }
.error { color: #b3261e; font-weight: bold; min-height: 1em; margin: 0.2em 0; }
.hint { color: #555; font-size: 0.9em; margin: 0.2em 0; }
.status { background: #eef2f7; padding: 0.4em 0.6em; border-radius: 4px;
  display: flex; gap: 1em; flex-wrap: wrap; align-items: baseline; }
.state.paused { color: #a15c00; font-weight: bold; }
.state.game-over { color: #b3261e; font-weight: bold; }
.timer { font-weight: bold; font-variant-numeric: tabular-nums; }
.submitted { background: #e7f4e4; padding: 0.4em; }
.waiting { color: #7a4b00; }
.war, li.war { color: #b3261e; font-weight: bold; }
.news li { margin: 0.15em 0; } .news li.private { color: #4a2a7a; }
table { border-collapse: collapse; margin: 0.4em 0; }
th, td { padding: 0.15em 0.5em; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.team td { font-weight: bold; }
body.projector { max-width: none; font-size: 16px; padding: 0.3em 0.6em;
  height: 100vh; }
body.projector #live { height: 100%; display: flex; flex-direction: column;
  gap: 0.3em; }
.proj { flex: 1; min-height: 0; display: grid; gap: 1em;
  grid-template-columns: minmax(0, 1.35fr) minmax(0, 1fr); }
.proj .column { display: flex; flex-direction: column; gap: 0.3em; min-height: 0; }
.proj img { width: 100%; object-fit: contain; object-position: left top; }
.proj img.map { height: 52vh; } .proj img.curve { height: 36vh; }
.proj .side { flex: 1; min-height: 6em; overflow-y: auto; }
.proj .side ul { padding-left: 1.1em; margin: 0.2em 0; }
.proj h3 { margin: 0.1em 0; } .proj p { margin: 0; }
.proj .table table { font-size: 0.78em; margin: 0; }
.proj .table td, .proj .table th { padding: 0 0.4em; }
@media (max-width: 700px) { body.projector { height: auto; }
  .proj { grid-template-columns: 1fr; }
  .proj img.map, .proj img.curve { height: auto; }
  .proj .side { overflow-y: visible; } }
.briefing { max-width: 60em; }
.briefing table { font-size: 0.9em; }
@media print {
  body { font-size: 11pt; max-width: none; }
  .briefing { break-after: page; }
  button, form { display: none; }
}
"""

SCRIPT = """
(function () {
  const live = document.body.dataset.live;
  async function refresh() {
    const answer = await fetch(live, {cache: 'no-store'});
    if (!answer.ok) return;
    const data = await answer.json();
    document.getElementById('live').innerHTML = data.live;
    const form = document.getElementById('form');
    if (form && data.form !== undefined && form.dataset.key !== data.key) {
      form.innerHTML = data.form;
      form.dataset.key = data.key;
      bind(form);
    }
    tick();
  }
  function tick() {
    document.querySelectorAll('.timer[data-deadline]').forEach(function (el) {
      const left = Math.max(0, Math.round((+el.dataset.deadline - Date.now()) / 1000));
      el.textContent = 'time left ' + Math.floor(left / 60) + ':' +
        String(left % 60).padStart(2, '0');
    });
  }
  let ticks = 0;
  function ticked(form) {  // the ticked boxes of each name, in the order ticked
    const out = {};
    for (const el of form.elements) {
      if (el.name && el.type === 'checkbox' && el.checked) {
        (out[el.name] = out[el.name] || []).push(el);
      }
    }
    for (const name in out) {
      out[name].sort(function (a, b) {
        return (+a.dataset.ticked || 0) - (+b.dataset.ticked || 0);
      });
    }
    return out;
  }
  function showOrder(form) {
    const shown = form.querySelector('.order');
    if (!shown) return;
    const order = Object.values(ticked(form)).flat().map(function (el) {
      return el.value;
    });
    shown.textContent = order.length ? 'Order: ' + order.join(', ') : '';
  }
  function values(form) {
    const out = {};
    const boxes = ticked(form);
    for (const name in boxes) {
      out[name] = boxes[name].map(function (el) { return el.value; });
    }
    for (const el of form.elements) {
      if (!el.name || el.type === 'checkbox') continue;
      if (el.type === 'number' && el.validity.badInput) {
        const label = el.closest('label');
        const what = label ? label.firstChild.textContent.trim() : el.name;
        throw new Error(what + ': not a number; nothing was sent');
      }
      out[el.name] = el.type === 'number' ? (el.value === '' ? null : +el.value)
        : el.value;
    }
    return out;
  }
  function bind(root) {
    root.querySelectorAll('form[data-post]').forEach(function (form) {
      form.addEventListener('change', function (event) {
        const box = event.target;
        if (box.type !== 'checkbox') return;
        if (box.checked) box.dataset.ticked = ++ticks;
        else delete box.dataset.ticked;
        showOrder(form);
      });
      showOrder(form);
      form.addEventListener('submit', async function (event) {
        event.preventDefault();
        const error = form.querySelector('.error') ||
          form.parentElement.querySelector('.error');
        // a new command: an earlier one's refusal, on any form, is no longer news
        document.querySelectorAll('.error').forEach(function (old) {
          old.textContent = '';
        });
        if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
        let body;
        try { body = values(form); } catch (err) {
          error.textContent = err.message;
          return;
        }
        const base = live.replace('/live', '');
        let answer, data;
        try {
          answer = await fetch(base + '/' + form.dataset.post, {
            method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify(body)});
          data = await answer.json();
        } catch (err) {  // the server is down or out of reach: say so, keep the form
          error.textContent = 'No answer from the game server (stopped, or the ' +
            'network is down), so this may not have been received: send it again ' +
            'once the server is back.';
          return;
        }
        if (answer.status === 409) {  // the turn moved on: show the new form
          await refresh();
          const now = document.querySelector(
            'form[data-post="' + form.dataset.post + '"] .error');
          (now || error).textContent = data.error;
          return;
        }
        if (!answer.ok) { error.textContent = data.error; return; }
        refresh();
      });
    });
  }
  if (live) {
    bind(document);
    const events = new EventSource('/events');
    events.onmessage = refresh;
    setInterval(tick, 500);
    tick();
  }
})();
"""
