// Grouping the ideas of the wall (workshops/_grouping_panel.html).
//
// Every change is a plain form of the panel (POST without JavaScript). room.js sends the forms
// that carry data-action over the room socket when it is up; this module only adds:
// - « Déplacer vers… »: a menu button on each idea (keyboard: Enter/Space/↓ to open, arrows,
//   Home/End, Enter to choose, Escape to close), announced in the panel's live region;
// - drag and drop with the pointer (mouse, touch, pen) from an idea to a group;
// - a fresh copy of the panel from the server after each room event that changes it
//   (idea_groups.changed, new, hidden or merged ideas), keeping the focus where it was.

const PANEL = "[data-grouping]";
const INTERACTIVE = "button, a, input, select, textarea, summary, [role=menu], [role=menuitem]";
const DRAG_THRESHOLD = 6;

const panel = () => document.querySelector(PANEL);

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
}

let announceTimer = null;
function announce(text) {
  const live = panel() && panel().querySelector("[data-grouping-live]");
  if (!live || !text) return;
  live.textContent = "";
  clearTimeout(announceTimer);
  // Emptied first, then filled: the same sentence twice is still read out.
  announceTimer = setTimeout(() => {
    live.textContent = text;
  }, 60);
}

function groupNameOf(root, value) {
  if (!value) return root.dataset.textNoGroup;
  const section = root.querySelector(`[data-drop-group="${CSS.escape(value)}"]`);
  return section ? section.dataset.groupName : "";
}

let pending = null; // the sentence to read once the server confirms a change made here

function move(item, groupValue) {
  const form = item.querySelector("[data-move-form]");
  const select = form && form.querySelector("[data-move-select]");
  const root = panel();
  if (!select || !root) return;
  if (select.value === groupValue) return;
  select.value = groupValue;
  const idea = item.dataset.ideaTitle;
  const sentence = groupValue
    ? format(root.dataset.textMoved, { idea, group: groupNameOf(root, groupValue) })
    : format(root.dataset.textMovedOut, { idea });
  pending = sentence;
  // Refused (the group went meanwhile, the connection dropped…): the server's panel again.
  setTimeout(() => {
    if (pending === sentence) {
      pending = null;
      refreshSoon();
    }
  }, 4000);
  // Shown at once where it goes; the server's copy of the panel follows.
  const target = root.querySelector(`[data-drop-group="${CSS.escape(groupValue)}"] .grouping__ideas`);
  if (target) {
    const focused = item.contains(document.activeElement) ? document.activeElement : null;
    const empty = target.querySelector(".grouping__empty");
    if (empty) empty.remove();
    target.append(item); // moving a node blurs what it holds: the focus goes back to it
    if (focused) focused.focus();
  }
  form.requestSubmit();
}

// --- « Déplacer vers… » menu --------------------------------------------------------------------

let openMenu = null;

function closeMenu({ focusButton = true } = {}) {
  if (!openMenu) return;
  const { menu, button } = openMenu;
  openMenu = null;
  menu.remove();
  button.setAttribute("aria-expanded", "false");
  button.removeAttribute("aria-controls");
  if (focusButton) button.focus();
  if (refreshWanted) refresh();
}

function menuItems(menu) {
  return Array.from(menu.querySelectorAll("[role=menuitem]"));
}

function openMenuFor(button, focusLast = false) {
  closeMenu({ focusButton: false });
  const item = button.closest("[data-idea]");
  const select = item.querySelector("[data-move-select]");
  const menu = document.createElement("ul");
  menu.className = "grouping__menu";
  menu.id = `${button.id}-list`;
  menu.setAttribute("role", "menu");
  menu.setAttribute("aria-label", button.getAttribute("aria-label") || button.textContent);
  for (const option of select.options) {
    if (option.value === select.value) continue;
    const entry = document.createElement("li");
    entry.setAttribute("role", "menuitem");
    entry.tabIndex = -1;
    entry.dataset.value = option.value;
    entry.textContent = option.textContent;
    menu.append(entry);
  }
  button.setAttribute("aria-controls", menu.id);
  button.after(menu);
  button.setAttribute("aria-expanded", "true");
  openMenu = { menu, button, item };
  const items = menuItems(menu);
  if (items.length) items[focusLast ? items.length - 1 : 0].focus();
}

function choose(entry) {
  const { item } = openMenu;
  closeMenu();
  move(item, entry.dataset.value);
}

function onMenuKey(event) {
  const items = menuItems(openMenu.menu);
  const index = items.indexOf(document.activeElement);
  const focus = (i) => items.length && items[(i + items.length) % items.length].focus();
  switch (event.key) {
    case "ArrowDown":
      focus(index + 1);
      break;
    case "ArrowUp":
      focus(index - 1);
      break;
    case "Home":
      focus(0);
      break;
    case "End":
      focus(items.length - 1);
      break;
    case "Escape":
      closeMenu();
      break;
    case "Tab":
      closeMenu({ focusButton: false });
      return; // let the focus move on
    case "Enter":
    case " ":
      if (index >= 0) choose(items[index]);
      break;
    default:
      return;
  }
  event.preventDefault();
}

function enhance(root) {
  if (!root || root.dataset.enhanced) return;
  root.dataset.enhanced = "1";
  root.classList.add("grouping--enhanced");
  // « Renommer » beside each group's name: opens its tools on the name field, selected.
  for (const section of root.querySelectorAll("[data-drop-group]:not([data-drop-group=''])")) {
    const head = section.querySelector(".grouping__head");
    const input = section.querySelector("[data-rename-input]");
    if (!head || !input) continue;
    const rename = document.createElement("button");
    rename.type = "button";
    rename.className = "link-button grouping__rename";
    rename.id = `rename-button-${section.dataset.dropGroup}`;
    rename.textContent = root.dataset.textRename;
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ` ${section.dataset.groupName}`;
    rename.append(hidden);
    rename.addEventListener("click", () => {
      input.closest("details").open = true;
      input.focus();
      input.select();
    });
    head.append(rename);
  }
  for (const form of root.querySelectorAll("[data-move-form]")) {
    const item = form.closest("[data-idea]");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small button--secondary grouping__menu-button";
    button.id = `move-menu-${item.dataset.idea}`;
    button.dataset.moveMenu = "";
    button.setAttribute("aria-haspopup", "menu");
    button.setAttribute("aria-expanded", "false");
    button.textContent = root.dataset.textMoveTo;
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ` ${item.dataset.ideaTitle}`;
    button.append(hidden);
    form.append(button);
  }
}

// --- drag and drop (pointer events: mouse, touch and pen) ----------------------------------------

let drag = null;

function dropTargetAt(x, y) {
  const node = document.elementFromPoint(x, y);
  return node ? node.closest(`${PANEL} [data-drop-group]`) : null;
}

function onPointerDown(event) {
  const item = event.target.closest(`${PANEL} [data-idea]`);
  if (!item || event.button !== 0 || drag) return;
  const onHandle = Boolean(event.target.closest("[data-drag-handle]"));
  // A finger scrolls the page unless it starts on the handle; a mouse drags from anywhere.
  if (event.pointerType !== "mouse" && !onHandle) return;
  if (!onHandle && event.target.closest(INTERACTIVE)) return;
  drag = { item, id: event.pointerId, x: event.clientX, y: event.clientY, started: false, target: null };
  if (onHandle || event.pointerType === "mouse") event.preventDefault(); // no text selection
}

function startDrag(event) {
  const { item } = drag;
  const rect = item.getBoundingClientRect();
  const ghost = item.cloneNode(true);
  ghost.removeAttribute("id");
  for (const node of ghost.querySelectorAll("[id]")) node.removeAttribute("id");
  ghost.classList.add("grouping__ghost");
  ghost.setAttribute("aria-hidden", "true");
  ghost.style.inlineSize = `${rect.width}px`;
  document.body.append(ghost);
  drag.ghost = ghost;
  drag.dx = event.clientX - rect.left;
  drag.dy = event.clientY - rect.top;
  drag.started = true;
  item.classList.add("is-dragging");
  closeMenu({ focusButton: false });
  announce(format(panel().dataset.textDragStart, { idea: item.dataset.ideaTitle }));
}

function hover(x, y) {
  const target = dropTargetAt(x, y);
  if (target !== drag.target) {
    if (drag.target) drag.target.classList.remove("is-drop-target");
    if (target) target.classList.add("is-drop-target");
    drag.target = target;
  }
}

// Near the top or the bottom of the window, the page scrolls while an idea is held: a long
// wall or a narrow console column does not fit on one screen.
const EDGE = 64;
function autoScroll() {
  if (!drag || !drag.started) return;
  const { lastY } = drag;
  let step = 0;
  if (lastY < EDGE) step = -Math.ceil((EDGE - lastY) / 4);
  else if (lastY > window.innerHeight - EDGE) step = Math.ceil((lastY - (window.innerHeight - EDGE)) / 4);
  if (step) {
    window.scrollBy(0, step);
    hover(drag.lastX, drag.lastY);
  }
  drag.frame = requestAnimationFrame(autoScroll);
}

function onPointerMove(event) {
  if (!drag || event.pointerId !== drag.id) return;
  if (!drag.started) {
    if (Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < DRAG_THRESHOLD) return;
    startDrag(event);
    drag.frame = requestAnimationFrame(autoScroll);
  }
  event.preventDefault();
  drag.lastX = event.clientX;
  drag.lastY = event.clientY;
  drag.ghost.style.transform = `translate(${event.clientX - drag.dx}px, ${event.clientY - drag.dy}px)`;
  hover(event.clientX, event.clientY);
}

function endDrag(event, drop) {
  if (!drag || event.pointerId !== drag.id) return;
  const { item, target, started, ghost, frame } = drag;
  drag = null;
  if (frame) cancelAnimationFrame(frame);
  if (!started) return;
  ghost.remove();
  item.classList.remove("is-dragging");
  if (target) target.classList.remove("is-drop-target");
  if (drop && target) {
    const from = item.closest("[data-drop-group]");
    if (from !== target) move(item, target.dataset.dropGroup);
  }
  if (refreshWanted) refresh();
}

// --- a fresh panel after each change ------------------------------------------------------------

let refreshWanted = false;
let refreshSeq = 0;

async function refresh() {
  const root = panel();
  if (!root) return;
  if (drag || openMenu) {
    refreshWanted = true; // after the drop or when the menu closes
    return;
  }
  refreshWanted = false;
  const mine = ++refreshSeq;
  let html;
  try {
    const response = await fetch(root.dataset.panelUrl, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    html = await response.text();
  } catch {
    return;
  }
  if (mine !== refreshSeq) return; // a later refresh is on its way
  if (drag || openMenu) {
    refreshWanted = true;
    return;
  }
  const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(PANEL);
  const current = panel();
  if (!fresh || !current) return;
  const active = current.contains(document.activeElement) ? document.activeElement : null;
  const activeId = active && active.id;
  const typed = active && active.tagName === "INPUT" && active.type === "text" ? active.value : null;
  const open = Array.from(current.querySelectorAll("details[open]"), (d) => d.closest("[id]").id);
  const live = current.querySelector("[data-grouping-live]");
  // The live region stays the same node, so that what it is reading is not cut off.
  fresh.querySelector("[data-grouping-live]").replaceWith(live);
  current.replaceWith(fresh);
  enhance(fresh);
  for (const id of open) {
    const details = document.getElementById(id);
    const tools = details && details.querySelector("details");
    if (tools) tools.open = true;
  }
  if (active) {
    let target = activeId ? document.getElementById(activeId) : null;
    if (!target) target = fresh.querySelector("#grouping-title");
    if (target) {
      if (typed !== null && target.tagName === "INPUT" && target.id !== "new-group-name") target.value = typed;
      target.focus();
    }
  }
}

let refreshTimer = null;
function refreshSoon() {
  // Marked until the fresh copy is in (its copy has no mark): tests wait for it to go.
  if (panel()) panel().dataset.refreshing = "1";
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 80);
}

const REFRESH_ON = new Set(["idea_groups.changed", "proposal.created", "proposal.hidden", "proposal.merged"]);

document.addEventListener("room:event", (event) => {
  const frame = event.detail;
  if (!panel() || !REFRESH_ON.has(frame.type)) return;
  if (frame.type === "idea_groups.changed" && pending) {
    announce(pending);
    pending = null;
  }
  refreshSoon();
});

// --- suggested groups: « Ignorer » without reloading the console --------------------------------
// (« Accepter » and « Modifier » are group.create forms: room.js sends them over the socket.)

document.addEventListener("submit", async (event) => {
  const form = event.target.closest && event.target.closest(`${PANEL} [data-suggestion-ignore]`);
  if (!form) return;
  event.preventDefault();
  const item = form.closest("[data-suggestion]");
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  let ok = false;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Grouping": "1" },
    });
    ok = response.ok;
  } catch {
    ok = false;
  }
  if (!ok) {
    form.submit(); // the plain form: the console says what went wrong
    return;
  }
  const root = panel();
  // The focus goes to the next suggestion's first button, else to the panel's title.
  const next = item && (item.nextElementSibling || item.previousElementSibling);
  const title = item && item.querySelector("h4");
  if (item) item.remove();
  if (root) announce(format(root.dataset.textIgnored, { name: title ? title.firstChild.textContent.trim() : "" }));
  const focus = next ? next.querySelector("button") : root && root.querySelector("#grouping-title");
  if (focus) {
    if (!focus.matches("button")) focus.tabIndex = -1;
    focus.focus();
  }
  refreshSoon();
});

// --- wiring ------------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const button = event.target.closest(`${PANEL} [data-move-menu]`);
  if (button) {
    if (openMenu && openMenu.button === button) closeMenu();
    else openMenuFor(button);
    return;
  }
  const entry = event.target.closest(".grouping__menu [role=menuitem]");
  if (entry && openMenu) {
    choose(entry);
    return;
  }
  if (openMenu && !openMenu.menu.contains(event.target)) closeMenu({ focusButton: false });
});

document.addEventListener("keydown", (event) => {
  if (openMenu && openMenu.menu.contains(document.activeElement)) {
    onMenuKey(event);
    return;
  }
  const button = event.target.closest && event.target.closest(`${PANEL} [data-move-menu]`);
  if (button && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    openMenuFor(button, event.key === "ArrowUp");
  }
});

document.addEventListener("focusout", (event) => {
  // The focus left the menu for something else on the page: close it.
  if (openMenu && openMenu.menu.contains(event.target) && !openMenu.menu.contains(event.relatedTarget)) {
    if (event.relatedTarget) closeMenu({ focusButton: false });
  }
});

document.addEventListener("pointerdown", onPointerDown);
document.addEventListener("pointermove", onPointerMove, { passive: false });
document.addEventListener("pointerup", (event) => endDrag(event, true));
document.addEventListener("pointercancel", (event) => endDrag(event, false));

enhance(panel());
// A page that inserts the panel later (the presenter console, when the step becomes a
// grouping step) asks for it to be enhanced.
document.addEventListener("grouping:attach", () => enhance(panel()));
