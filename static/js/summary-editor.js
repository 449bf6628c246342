// The summary editor (summaries/summary_edit.html): sections reordered in the page.
//
// Without JavaScript « Monter » / « Descendre » are submit buttons (the server saves the draft
// with the section moved, and the page comes back with the focus on the same button). Here:
// - the buttons move the section in place, keep the focus on the button pressed and announce
//   the new position in the list's live region;
// - the handle drags a section with the pointer (mouse, touch, pen);
// - after either, « summary-reordered » asks htmx for a fresh live preview (the hidden
//   « order » inputs travel in the DOM order, so the preview and the save follow).

const list = document.querySelector("[data-summary-sections]");

function rows() {
  return [...list.querySelectorAll("[data-section-key]")];
}

let announceTimer = null;
function announce(row) {
  const live = document.querySelector("[data-summary-live]");
  if (!live) return;
  const all = rows();
  const text = list.dataset.textMoved
    .replace("{section}", row.dataset.sectionLabel)
    .replace("{position}", String(all.indexOf(row) + 1))
    .replace("{count}", String(all.length));
  live.textContent = "";
  clearTimeout(announceTimer);
  // Emptied first, then filled: the same sentence twice is still read out.
  announceTimer = setTimeout(() => {
    live.textContent = text;
  }, 60);
}

function refresh() {
  const all = rows();
  all.forEach((row, index) => {
    const position = row.querySelector("[data-position]");
    if (position) position.textContent = String(index + 1);
    const up = row.querySelector('[data-move="up"]');
    const down = row.querySelector('[data-move="down"]');
    // aria-disabled, not disabled: the button keeps the focus when its section reaches an end.
    if (up) up.setAttribute("aria-disabled", index === 0 ? "true" : "false");
    if (down) down.setAttribute("aria-disabled", index === all.length - 1 ? "true" : "false");
  });
  document.body.dispatchEvent(new CustomEvent("summary-reordered"));
}

function moveBy(row, offset) {
  // The neighbour moves, not the row: the focused button never leaves the document.
  if (offset < 0 && row.previousElementSibling) {
    list.insertBefore(row.previousElementSibling, row.nextElementSibling);
  } else if (offset > 0 && row.nextElementSibling) {
    list.insertBefore(row.nextElementSibling, row);
  } else {
    return false;
  }
  return true;
}

if (list) {
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    event.preventDefault();
    const row = button.closest("[data-section-key]");
    if (button.getAttribute("aria-disabled") === "true" || !row) return;
    if (moveBy(row, button.dataset.move === "up" ? -1 : 1)) {
      button.focus();
      refresh();
      announce(row);
    }
  });

  list.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest("[data-drag-handle]");
    if (!handle || event.button > 0) return;
    const row = handle.closest("[data-section-key]");
    const before = rows().map((r) => r.dataset.sectionKey).join();
    event.preventDefault();
    // Captured by the list, not the handle: moving the row in the DOM would release it.
    list.setPointerCapture(event.pointerId);
    row.classList.add("is-dragging");
    list.classList.add("is-sorting");

    const onMove = (moveEvent) => {
      const y = moveEvent.clientY;
      for (const other of rows()) {
        if (other === row) continue;
        const box = other.getBoundingClientRect();
        if (y < box.top || y > box.bottom) continue;
        const index = rows().indexOf(other);
        const mine = rows().indexOf(row);
        // Past the middle of the neighbour: take its place.
        if (index < mine && y < box.top + box.height / 2) list.insertBefore(row, other);
        if (index > mine && y > box.top + box.height / 2) list.insertBefore(row, other.nextElementSibling);
        break;
      }
    };
    const onEnd = () => {
      list.removeEventListener("pointermove", onMove);
      list.removeEventListener("pointerup", onEnd);
      list.removeEventListener("pointercancel", onEnd);
      row.classList.remove("is-dragging");
      list.classList.remove("is-sorting");
      if (rows().map((r) => r.dataset.sectionKey).join() !== before) {
        refresh();
        announce(row);
      }
    };
    list.addEventListener("pointermove", onMove);
    list.addEventListener("pointerup", onEnd);
    list.addEventListener("pointercancel", onEnd);
  });

  // A shown / hidden section reads at once in the list.
  list.addEventListener("change", (event) => {
    const box = event.target.closest('input[type="checkbox"]');
    const row = box && box.closest("[data-section-key]");
    if (row) row.classList.toggle("is-hidden", !box.checked);
  });
}
