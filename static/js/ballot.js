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

// Majority judgment on a phone: one option per card (« Option 2 / 5 »), then a review of every
// grade before sending. Dots: − / + buttons, the budget kept in sight, the same review.
// Without JavaScript the form shows every option at once and sends as it is.
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function reviewRows(form) {
  if (form.dataset.ballot === "majority_judgment") {
    return Array.from(form.querySelectorAll("fieldset.ballot__grades")).map((card, index) => {
      const checked = card.querySelector("input:checked");
      const grade = checked ? checked.closest(".grade") : null;
      return {
        index,
        label: card.querySelector("legend").textContent.trim(),
        value: grade ? grade.textContent.trim() : form.dataset.textNone,
        grade: checked ? checked.value : "",
      };
    });
  }
  return Array.from(form.querySelectorAll(".ballot__dots")).map((row, index) => ({
    index,
    label: row.querySelector("label").textContent.trim(),
    value: `${Number(row.querySelector("input").value) || 0} ●`,
    grade: "",
  }));
}

function setupSteps(scope) {
  scope.querySelectorAll("form[data-ballot='majority_judgment'], form[data-ballot='dots']").forEach((form) => {
    if (form.dataset.stepped) return;
    form.dataset.stepped = "1";
    const mj = form.dataset.ballot === "majority_judgment";
    const cards = mj ? Array.from(form.querySelectorAll("fieldset.ballot__grades")) : [];
    const actions = form.querySelector(".ballot__actions");
    const submit = actions?.querySelector("button[type=submit]");
    if (!actions || !submit || (mj && cards.length < 2)) return;
    form.classList.add("ballot--stepped");

    const nav = el("div", "ballot__nav");
    const progress = el("p", "ballot__progress");
    progress.setAttribute("aria-live", "polite");
    const prev = el("button", "button button--secondary ballot__prev", form.dataset.textPrev);
    const next = el("button", "button ballot__next", form.dataset.textNext);
    const reviewButton = el("button", "button ballot__to-review", form.dataset.textReview);
    for (const b of [prev, next, reviewButton]) b.type = "button";
    nav.append(prev, next, reviewButton);

    const review = el("section", "ballot__review");
    review.hidden = true;
    review.tabIndex = -1;

    let current = 0;
    let reviewing = false;
    const render = () => {
      cards.forEach((card, i) => { card.hidden = reviewing || i !== current; });
      const dots = form.querySelector("fieldset.ballot__group");
      if (!mj && dots) dots.hidden = reviewing;
      review.hidden = !reviewing;
      actions.hidden = !reviewing;
      progress.hidden = reviewing || !mj;
      if (mj) progress.textContent = interpolate(form.dataset.textProgress, { n: current + 1, total: cards.length }, true);
      prev.hidden = reviewing || !mj || current === 0;
      next.hidden = reviewing || !mj || current === cards.length - 1;
      reviewButton.hidden = reviewing || (mj && current !== cards.length - 1);
      nav.hidden = reviewing;
    };
    const showReview = () => {
      reviewing = true;
      const list = el("ul", "ballot__review-list list-plain");
      for (const row of reviewRows(form)) {
        const li = el("li", `ballot__review-row${row.grade !== "" ? ` grade--${row.grade}` : ""}`);
        const text = el("span", "ballot__review-text");
        text.append(el("strong", null, row.label), el("span", "ballot__review-value", row.value));
        const edit = el("button", "link-button ballot__edit", form.dataset.textEdit);
        edit.type = "button";
        // French spacing before the colon only on French pages (as project.typography does).
        const colon = document.documentElement.lang === "fr" ? "\u202f:" : ":";
        edit.setAttribute("aria-label", `${form.dataset.textEdit}${colon} ${row.label}`);
        edit.addEventListener("click", () => {
          reviewing = false;
          current = mj ? row.index : 0;
          render();
          const target = mj ? cards[current] : form.querySelectorAll(".ballot__dots input")[row.index];
          (mj ? target.querySelector("input:checked, input") : target)?.focus();
        });
        li.append(text, edit);
        list.append(li);
      }
      review.replaceChildren(el("h4", "ballot__review-title", form.dataset.textReviewTitle), list);
      render();
      review.focus();
    };
    prev.addEventListener("click", () => { current = Math.max(0, current - 1); render(); cards[current].querySelector("input")?.focus(); });
    next.addEventListener("click", () => { current = Math.min(cards.length - 1, current + 1); render(); cards[current].querySelector("input")?.focus(); });
    reviewButton.addEventListener("click", showReview);
    // A grade tapped or clicked: the next option comes by itself. Not from the keyboard: the
    // arrows move through a radio group and check each grade on their way.
    if (mj) {
      cards.forEach((card, i) => card.addEventListener("click", (event) => {
        if (event.detail === 0 || !event.target.matches("input[type=radio]")) return;
        if (i < cards.length - 1) {
          setTimeout(() => { current = i + 1; render(); cards[current].querySelector("input")?.focus(); }, 250);
        }
      }));
    }
    const anchor = mj ? cards[0] : form.querySelector("fieldset.ballot__group");
    anchor.before(progress);
    (mj ? cards[cards.length - 1] : anchor).after(nav);
    nav.after(review);
    render();
  });

  // Dots: − / + buttons (44 px) beside each number.
  scope.querySelectorAll("form[data-ballot='dots'] .ballot__dots").forEach((row) => {
    if (row.dataset.stepper) return;
    row.dataset.stepper = "1";
    const form = row.closest("form");
    const input = row.querySelector("input");
    const label = row.querySelector("label").textContent.trim();
    const step = (delta) => {
      const cap = Number(input.max || form.dataset.cap || 99);
      input.value = String(Math.min(cap, Math.max(0, (Number(input.value) || 0) + delta)));
      input.dispatchEvent(new Event("input", { bubbles: true }));
    };
    const less = el("button", "ballot__step", "−");
    const more = el("button", "ballot__step", "+");
    less.type = more.type = "button";
    less.setAttribute("aria-label", `${form.dataset.textFewer} ${label}`);
    more.setAttribute("aria-label", `${form.dataset.textMore} ${label}`);
    less.addEventListener("click", () => step(-1));
    more.addEventListener("click", () => step(1));
    const group = el("span", "ballot__stepper");
    input.before(group);
    group.append(less, input, more);
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
    setupSteps(slot);
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
setupSteps(document);

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
