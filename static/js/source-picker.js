// The source picker of a recommendation (decisions/includes/sources_panel.html).
// Without JavaScript it is plain forms: a search (GET) that reloads the page with results,
// « Ajouter » / « Retirer » buttons that post and come back. htmx sends the same forms and
// swaps the panel; this module adds the keyboard (arrow keys from the search field through
// the results' buttons, Escape back to the field), puts the focus back where the editor
// was after a swap, and reads out what was done in a live region that is never swapped.

let pending = null; // { kind: "pick" | "unpick", index } of the button just pressed

const panel = () => document.getElementById("sources-panel");
const input = () => document.querySelector("[data-picker-input]");
const picks = () => [...document.querySelectorAll("#source-results [data-pick]")];

function move(from, step) {
  const buttons = picks();
  if (!buttons.length) return false;
  const at = buttons.indexOf(from);
  const next = at === -1 ? (step > 0 ? 0 : buttons.length - 1) : at + step;
  if (next < 0) {
    input()?.focus();
    return true;
  }
  buttons[Math.min(next, buttons.length - 1)].focus();
  return true;
}

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLElement) || !target.closest("[data-source-picker]")) return;
  if (target.matches("[data-picker-input]")) {
    if (event.key === "ArrowDown" && move(null, 1)) event.preventDefault();
    return;
  }
  if (!target.matches("[data-pick]")) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (move(target, event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
  } else if (event.key === "Escape") {
    event.preventDefault();
    input()?.focus();
  } else if (event.key === "Home" || event.key === "End") {
    const buttons = picks();
    event.preventDefault();
    buttons[event.key === "Home" ? 0 : buttons.length - 1]?.focus();
  }
});

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-pick], [data-unpick]") : null;
  if (!button || !panel()?.contains(button)) return;
  const kind = button.matches("[data-pick]") ? "pick" : "unpick";
  const all = [...panel().querySelectorAll(kind === "pick" ? "[data-pick]" : "[data-unpick]")];
  pending = { kind, index: all.indexOf(button) };
});

document.body.addEventListener("htmx:afterSettle", () => {
  const current = panel();
  if (!current || current.dataset.announced) return;
  current.dataset.announced = "1"; // a new panel (after « Ajouter » / « Retirer »), once
  const said = current.dataset.error || current.dataset.done || "";
  const live = document.querySelector("[data-sources-live]");
  if (live && said) {
    live.textContent = "";
    // Set after a tick, so that a message equal to the last one is read out again.
    window.setTimeout(() => { live.textContent = said; }, 50);
  }
  if (pending) {
    const selector = pending.kind === "pick" ? "#source-results [data-pick]" : "[data-unpick]";
    const buttons = [...current.querySelectorAll(selector)];
    const next = buttons[Math.min(pending.index, buttons.length - 1)];
    (next || input())?.focus();
    pending = null;
  }
});

// The page as loaded has said nothing yet: mark it so that only swapped panels speak.
if (panel()) panel().dataset.announced = "1";

document.body.addEventListener("htmx:responseError", (event) => {
  if (!panel()?.contains(event.detail.elt)) return;
  const live = document.querySelector("[data-sources-live]");
  if (live) live.textContent = live.dataset.failed || "";
});
