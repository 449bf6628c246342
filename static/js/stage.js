// The stage (/ateliers/<slug>/ecran/): picks the one screen to show from the room's events,
// which room.js re-dispatches as "room:event" (it also renders ideas, spotlight, timer,
// presence into the stage's nodes); ballot.js refreshes the vote screen. Presenter keys:
// → / ← step, B blank, F full screen, T timer, ? help.
//
// The rules mirror workshops.views.stage_state (the first screen, also without JavaScript).

const stage = document.getElementById("room");

const PHASE_SCREENS = { welcome: "join", ideation: "wall", clustering: "wall", opinions: "opinions" };

// --- opinion map (an opinion step): the server's fragment again when the analysis changes ----

let opinionsSeq = 0;
async function refreshOpinions() {
  const box = stage && stage.querySelector("[data-stage-opinions]");
  if (!box) return;
  const mine = ++opinionsSeq;
  try {
    const response = await fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok || mine !== opinionsSeq) return;
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-stage-opinions-body]");
    const current = box.querySelector("[data-stage-opinions-body]");
    if (fresh && current && mine === opinionsSeq) current.replaceWith(document.importNode(fresh, true));
  } catch {
    /* offline: the next event brings it */
  }
}

const facts = {
  blank: false,
  state: stage?.dataset.state,
  phase: Number(stage?.dataset.phase) || null,
  phaseKind: stage?.dataset.phaseKind || "",
  spotlit: stage?.dataset.spotlit === "1",
  resultsFresh: stage?.dataset.resultsFresh === "1",
};

function voteShown() {
  const vote = stage.querySelector("[data-stage-vote]");
  return vote ? vote.dataset.stageVote : null;
}

function decide() {
  if (facts.blank) return "blank";
  if (facts.state !== "live") return "join";
  const vote = voteShown();
  if (vote === "open") return "vote";
  if (facts.spotlit) return "spotlight";
  if (vote === "results" && facts.resultsFresh) return "vote";
  if (!facts.phase) return "join";
  return PHASE_SCREENS[facts.phaseKind] || "timer";
}

function show() {
  const mode = decide();
  if (stage.dataset.mode === mode) return;
  stage.dataset.mode = mode;
  for (const screen of stage.querySelectorAll("[data-screen]")) screen.hidden = screen.dataset.screen !== mode;
}

// --- grouped wall ----------------------------------------------------------------------------

function ideaNode(id) {
  return stage.querySelector(`[data-ideas] [data-idea="${id}"]`);
}

function renderGroups(groups) {
  const box = stage.querySelector("[data-groups]");
  const list = stage.querySelector("[data-ideas]");
  if (!box || !list) return;
  if (!groups || !groups.length) {
    box.hidden = true;
    box.replaceChildren();
    list.hidden = false;
    return;
  }
  const grouped = new Set();
  const sorted = [...groups].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const columns = sorted.map((group) => {
    const ids = (group.idea_ids || []).filter((id) => ideaNode(id));
    ids.forEach((id) => grouped.add(String(id)));
    return column(group.id, group.name, ids);
  });
  const rest = Array.from(list.querySelectorAll("[data-idea]"))
    .map((node) => node.dataset.idea)
    .filter((id) => !grouped.has(String(id)));
  if (rest.length) columns.push(column("", stage.dataset.textUngrouped, rest));
  box.replaceChildren(...columns);
  box.hidden = false;
  list.hidden = true;
}

function column(id, name, ids) {
  const section = document.createElement("section");
  section.className = "stage-group";
  section.dataset.group = id;
  const title = document.createElement("h3");
  title.className = "stage-group__name";
  title.textContent = `${name} `;
  const count = document.createElement("span");
  count.className = "stage__count";
  count.textContent = `(${ids.length})`;
  title.append(count);
  const ul = document.createElement("ul");
  ul.className = "list-plain";
  for (const ideaId of ids) {
    const li = document.createElement("li");
    li.className = "stage-idea";
    li.textContent = ideaNode(ideaId)?.querySelector("[data-idea-title]")?.textContent || "";
    ul.append(li);
  }
  section.append(title, ul);
  return section;
}

let groups = null;
try {
  groups = JSON.parse(document.getElementById("stage-groups-data")?.textContent || "null");
} catch {
  groups = null;
}

// --- presenter actions -----------------------------------------------------------------------

function send(action, data = {}) {
  const socket = stage.roomSocket;
  if (!socket || !socket.ready) return Promise.resolve(null);
  return socket.send(action, data).catch((error) => {
    announce(error.message || error.code || "");
    return null;
  });
}

function announce(text) {
  const node = stage.querySelector("[data-stage-announce]");
  if (node) node.textContent = text;
}

// One step forward or back on the run sheet: the same service as the console's « Étape
// suivante » (workshops.steps), so the stage, the console and the phones move together.
export function stageStep(direction) {
  if (stage.dataset.facilitator !== "1") return Promise.resolve(null);
  return send(direction > 0 ? "step.next" : "step.previous");
}

function toggleTimer() {
  if (stage.dataset.facilitator !== "1") return;
  const node = stage.querySelector("[data-timer]");
  send(node?.dataset.running === "1" ? "timer.pause" : "timer.start");
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen?.();
  else document.documentElement.requestFullscreen?.().catch(() => {});
}

function toggleHelp(force) {
  const help = stage.querySelector(".stage__help");
  const button = stage.querySelector("[data-stage-help]");
  const open = force ?? help.hidden;
  help.hidden = !open;
  button?.setAttribute("aria-expanded", String(open));
}

function setTheme(theme) {
  stage.dataset.theme = theme;
  const button = stage.querySelector("[data-stage-theme]");
  button?.setAttribute("aria-pressed", String(theme === "light"));
  try {
    localStorage.setItem("stage-theme", theme);
  } catch {
    /* private browsing */
  }
}

// --- wiring ----------------------------------------------------------------------------------

if (stage && stage.dataset.projector === "1") {
  try {
    const saved = localStorage.getItem("stage-theme");
    if (saved === "light" || saved === "dark") setTheme(saved);
  } catch {
    /* private browsing */
  }
  if (groups) renderGroups(groups);

  document.addEventListener("room:event", (event) => {
    const frame = event.detail || {};
    const data = frame.data || {};
    switch (frame.type) {
      case "phase.changed": {
        facts.phase = data.current || null;
        const phase = (data.phases || []).find((p) => p.id === data.current);
        facts.phaseKind = phase?.kind || "";
        const wallTitle = stage.querySelector("[data-wall-title]");
        if (wallTitle && phase) wallTitle.textContent = phase.title;
        const clock = stage.querySelector("[data-timer]");
        if (clock && data.timer) clock.dataset.running = data.timer.running ? "1" : "0";
        facts.resultsFresh = false; // a new step: last step's results leave the screen
        if (facts.phaseKind === "opinions") refreshOpinions(); // its map, not the last one's
        break;
      }
      case "timer.changed": {
        const node = stage.querySelector("[data-timer]");
        if (node) node.dataset.running = data.running ? "1" : "0";
        break;
      }
      case "spotlight.changed":
        facts.spotlit = Boolean(data.idea);
        break;
      case "workshop.state_changed":
        facts.state = data.state;
        break;
      case "vote.closed":
      case "vote.revealed":
      case "vote.published":
        facts.resultsFresh = true;
        break;
      case "vote.opened":
        facts.resultsFresh = false;
        break;
      case "opinions.analysis":
        refreshOpinions();
        break;
      case "idea_groups.changed":
        groups = data.groups || [];
        renderGroups(groups);
        break;
      case "proposal.created":
      case "proposal.hidden":
      case "proposal.merged":
        if (groups && groups.length) queueMicrotask(() => renderGroups(groups));
        break;
      default:
        break;
    }
    show();
  });

  // ballot.js replaces the vote screen's content after a vote event: look again.
  const slot = stage.querySelector("[data-vote-panel]");
  if (slot) new MutationObserver(show).observe(slot, { childList: true });

  stage.querySelector("[data-stage-fullscreen]")?.addEventListener("click", toggleFullscreen);
  stage.querySelector("[data-stage-theme]")?.addEventListener("click", () => setTheme(stage.dataset.theme === "light" ? "dark" : "light"));
  stage.querySelector("[data-stage-help]")?.addEventListener("click", () => toggleHelp());
  document.addEventListener("fullscreenchange", () => {
    const button = stage.querySelector("[data-stage-fullscreen]");
    if (button) button.textContent = document.fullscreenElement ? stage.dataset.textExitFullscreen : stage.dataset.textFullscreen;
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    const key = event.key;
    if (key === "ArrowRight" || key === "PageDown") stageStep(1);
    else if (key === "ArrowLeft" || key === "PageUp") stageStep(-1);
    else if (key === "b" || key === "B" || key === ".") {
      facts.blank = !facts.blank;
      show();
    } else if (key === "f" || key === "F") toggleFullscreen();
    else if (key === "t" || key === "T") toggleTimer();
    else if (key === "?") toggleHelp();
    else if (key === "Escape") toggleHelp(false);
    else return;
    event.preventDefault();
  });

  window.stageStep = stageStep;
  show();
}
