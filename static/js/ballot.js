// Ballots and live vote panels: progressive enhancement only (every ballot is a plain form).
// - dot voting: shows how many dots remain as the voter types;
// - live rooms: room.js re-dispatches every room frame as a "room:event" DOM event.
//   vote.opened/closed/revealed/published → the vote panel is fetched again;
//   vote.tally (coalesced snapshots, at most 4 per second) → the turnout is updated at
//   once, and the results blocks are fetched again, at most every REFRESH_MS.

const gettext = window.gettext || ((s) => s);
const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (_, k) => obj[k]));
const REFRESH_MS = 2000;

function setupDots(scope) {
  scope.querySelectorAll("form[data-ballot='dots']").forEach((form) => {
    if (form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    const budget = Number(form.dataset.budget || 0);
    const inputs = form.querySelectorAll("input[data-dots]");
    const out = form.querySelector("[data-remaining]");
    if (!out || !inputs.length) return;
    const update = () => {
      let spent = 0;
      inputs.forEach((input) => { spent += Math.max(0, Number(input.value) || 0); });
      const left = budget - spent;
      out.hidden = false;
      out.classList.toggle("ballot__remaining--over", left < 0);
      out.textContent = left >= 0
        ? interpolate(gettext("Gommettes restantes : %(n)s"), { n: left }, true)
        : interpolate(gettext("Trop de gommettes : %(n)s en trop"), { n: -left }, true);
    };
    inputs.forEach((input) => input.addEventListener("input", update));
    update();
  });
}

async function fetchHtml(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
  if (!response.ok) return null;
  return response.status === 204 ? "" : response.text();
}

async function refreshPanels(kind) {
  for (const slot of document.querySelectorAll("[data-vote-panel]")) {
    if (kind === "tally" && slot.dataset.voteRefresh !== "tally") continue;
    const html = await fetchHtml(slot.dataset.votePanel);
    if (html === null) continue;
    const before = new Set(Array.from(slot.querySelectorAll("form[data-ballot]")).map((f) => f.action));
    // Keep the keyboard focus where it was when it is not inside the panel: never moved, so a
    // draft idea being typed stays where it is.
    const focusInside = slot.contains(document.activeElement);
    slot.innerHTML = html;
    setupDots(slot);
    if (focusInside) slot.querySelector("h2, h3")?.setAttribute("tabindex", "-1");
    // A ballot that was not there: said politely to screen readers.
    const fresh = Array.from(slot.querySelectorAll("form[data-ballot]")).find((f) => !before.has(f.action));
    const announce = document.querySelector("[data-vote-announce]");
    if (fresh && announce) {
      const title = fresh.closest("[data-vote-session]")?.querySelector("h3")?.textContent.trim() || "";
      announce.textContent = `${announce.dataset.textOpened} ${title}`;
    }
  }
}

async function refreshResults(session) {
  for (const block of document.querySelectorAll(`[data-results="${session}"][data-results-url]`)) {
    const html = await fetchHtml(block.dataset.resultsUrl);
    if (!html) continue;
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    if (fresh) {
      // Keep an open "by college" section open.
      const open = Array.from(block.querySelectorAll("details[open]")).map((d) => d.querySelector("summary")?.textContent);
      fresh.querySelectorAll("details").forEach((d) => {
        if (open.includes(d.querySelector("summary")?.textContent)) d.open = true;
      });
      block.replaceWith(fresh);
    }
  }
}

// « votant·es » / « inscrit·es à l'atelier » (workshops/figures.py): never the people connected.
function updateTurnout({ session, voted, eligible }) {
  document.querySelectorAll(`[data-turnout="${session}"]`).forEach((el) => {
    el.querySelectorAll("[data-turnout-voted]").forEach((node) => { node.textContent = String(voted); });
    if (eligible != null) el.querySelectorAll("[data-turnout-eligible]").forEach((node) => { node.textContent = String(eligible); });
    const bar = el.querySelector("[data-turnout-bar]");
    if (bar && eligible) bar.setAttribute("width", String(Math.min(100, (100 * voted) / eligible)));
  });
}

const lastRefresh = new Map();
const timers = new Map();

function throttled(key, fn) {
  const since = Date.now() - (lastRefresh.get(key) || 0);
  if (timers.has(key)) return;
  const run = () => { timers.delete(key); lastRefresh.set(key, Date.now()); fn(); };
  if (since >= REFRESH_MS) run();
  else timers.set(key, setTimeout(run, REFRESH_MS - since));
}

setupDots(document);

document.addEventListener("room:event", (event) => {
  const frame = event.detail || {};
  if (!frame.type || !frame.type.startsWith("vote.")) return;
  if (frame.type === "vote.tally" && frame.data) {
    updateTurnout(frame.data);
    if (frame.data.results) {
      throttled(`r${frame.data.session}`, () => refreshResults(frame.data.session));
      throttled("projector", () => refreshPanels("tally"));
    }
    return;
  }
  refreshPanels("state");
});
