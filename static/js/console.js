// The facilitator's presenter console. Without JavaScript every control is a form that
// posts and comes back with a message; this module sends the same forms with fetch, says
// what happened in the status line, refreshes the live part of the page (run sheet,
// current step, turnout) when the room changes, and shows only the fields the chosen
// step kind and vote method need.

const root = document.getElementById("presenter");

// --- fields shown only when needed ------------------------------------------------------
function controlValue(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  if (checked) return checked.value;
  const field = form.elements[name];
  return field && "value" in field ? field.value : "";
}

function applyConditions(form) {
  for (const node of form.querySelectorAll("[data-show-when]")) {
    const [name, values] = node.dataset.showWhen.split("=");
    node.hidden = !values.split(",").includes(controlValue(form, name));
  }
}

function setUpConditions(scope) {
  for (const form of scope.querySelectorAll("form")) {
    if (!form.querySelector("[data-show-when]")) continue;
    applyConditions(form);
    if (form.dataset.conditions) continue;
    form.dataset.conditions = "1";
    form.addEventListener("change", () => applyConditions(form));
  }
}

// --- status line ----------------------------------------------------------------------------
let lastMessage = null;

function announce(text, isError) {
  const status = root.querySelector("[data-console-status]");
  if (!status) return;
  lastMessage = { text, isError };
  const p = document.createElement("p");
  p.className = `message message--${isError ? "error" : "success"}`;
  p.textContent = text;
  status.replaceChildren(p);
}

// --- refresh of the live part ---------------------------------------------------------------
function focusKey(element) {
  if (!element || element === document.body) return null;
  if (element.dataset && element.dataset.focusKey) return { key: element.dataset.focusKey };
  if (element.id) return { id: element.id };
  const form = element.closest("form");
  if (!form) return null;
  const id = form.querySelector('input[name="id"]');
  const direction = form.querySelector('input[name="direction"]');
  return {
    action: form.getAttribute("action"),
    item: id ? id.value : "",
    direction: direction ? direction.value : "",
  };
}

function findByKey(key) {
  if (!key) return null;
  if (key.key) return root.querySelector(`[data-focus-key="${key.key}"]`);
  if (key.id) return document.getElementById(key.id);
  for (const form of root.querySelectorAll(`form[action="${key.action}"]`)) {
    const id = form.querySelector('input[name="id"]');
    const direction = form.querySelector('input[name="direction"]');
    if ((id ? id.value : "") === key.item && (direction ? direction.value : "") === key.direction) {
      const button = form.querySelector("button");
      if (button && !button.disabled) return button;
    }
  }
  return null;
}

let refreshing = null;

// keepFocus: the focus key of the control that was used (taken before it was disabled).
async function refresh(keepFocus) {
  if (refreshing) {
    await refreshing;
  }
  const key = keepFocus || null;
  refreshing = (async () => {
    const response = await fetch(location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const open = [...root.querySelectorAll("[data-step-id] details[open]")].map((d) => d.closest("[data-step-id]").dataset.stepId);
    // Each live part is replaced by its fresh copy (the step form being typed in is not one).
    for (const part of root.querySelectorAll("[data-console-live]")) {
      const fresh = doc.querySelector(`[data-console-live="${part.dataset.consoleLive}"]`);
      if (fresh) part.replaceChildren(...fresh.childNodes);
    }
    // The grouping panel comes and goes with the step; while it stays, grouping.js keeps it fresh.
    const freshSlot = doc.querySelector("[data-grouping-slot]");
    const slot = root.querySelector("[data-grouping-slot]");
    if (freshSlot && !slot) {
      root.querySelector(".presenter__panes").after(document.importNode(freshSlot, true));
      document.dispatchEvent(new CustomEvent("grouping:attach"));
    } else if (!freshSlot && slot) {
      slot.remove();
    }
    for (const id of open) {
      const details = root.querySelector(`[data-step-id="${id}"] details`);
      if (details) details.open = true;
    }
    const position = doc.querySelector('input[name="position"]:checked');
    const form = root.querySelector("[data-step-form]");
    if (position && form && !form.contains(document.activeElement)) {
      form.querySelector(`input[name="position"][value="${position.value}"]`).checked = true;
    }
    const live = root;
    if (lastMessage) announce(lastMessage.text, lastMessage.isError);
    setUpConditions(live);
    startTimer();
    if (keepFocus) {
      const target = findByKey(key) || root.querySelector("[data-step=next]:not([disabled])") || root.querySelector("#now-title");
      if (target) {
        if (!target.hasAttribute("tabindex") && target.tagName === "H2") target.setAttribute("tabindex", "-1");
        target.focus();
      }
    }
  })();
  try {
    await refreshing;
  } finally {
    refreshing = null;
  }
}

let pending = null;
function refreshSoon() {
  clearTimeout(pending);
  pending = setTimeout(() => {
    // Never swap the form someone is typing in.
    const active = document.activeElement;
    if (active && active.closest("[data-console-live]") && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
      refreshSoon();
      return;
    }
    refresh(false);
  }, 400);
}

// --- forms ----------------------------------------------------------------------------------
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-console-form")) return;
  event.preventDefault();
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  const button = form.querySelector("button[type=submit]");
  const key = focusKey(event.submitter || document.activeElement) || { key: "none" };
  if (button) button.disabled = true;
  let data;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
      credentials: "same-origin",
    });
    data = await response.json();
  } catch {
    data = { ok: false, message: root.dataset.textError };
  }
  if (button) button.disabled = false;
  announce(data.message, !data.ok);
  if (data.ok && form.hasAttribute("data-step-form")) {
    form.reset();
    applyConditions(form);
  }
  await refresh(key);
});

// --- timer ----------------------------------------------------------------------------------
let tick = null;
function startTimer() {
  clearInterval(tick);
  const node = root.querySelector("[data-timer]");
  if (!node || node.dataset.running !== "1" || !node.dataset.endsAt) return;
  const ends = Date.parse(node.dataset.endsAt);
  const show = () => {
    const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    node.textContent = `${Math.floor(left / 60)} min ${String(left % 60).padStart(2, "0")} s`;
  };
  show();
  tick = setInterval(show, 1000);
}

// --- the room's events: refresh what they change ----------------------------------------------
const WATCHED = new Set([
  "phase.changed",
  "timer.changed",
  "workshop.state_changed",
  "board.locked",
  "hands.changed",
  "vote.opened",
  "vote.closed",
  "vote.revealed",
  "vote.published",
  "vote.tally",
  "proposal.created",
  "proposal.hidden",
  "proposal.merged",
  "workshop.code_changed",
]);

// The room socket: the console follows the room's events, and the grouping panel's forms
// (data-action) travel over it, as room.js sends them on the room page.
let socket = null;
const pendingRefs = new Map();
let nextRef = 1;

// An action refused "busy" (this socket's earlier actions still run on the server) is sent
// again after a short pause, a few times, before its message is shown.
async function socketSend(action, data) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await socketSendOnce(action, data);
    } catch (error) {
      if (error.code !== "busy" || attempt >= 3) throw error;
      await new Promise((wait) => setTimeout(wait, 300 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

function socketSendOnce(action, data) {
  return new Promise((resolve, reject) => {
    if (!socket || socket.readyState !== WebSocket.OPEN || root.dataset.connection !== "live") {
      reject({ code: "offline" });
      return;
    }
    const ref = `p-${nextRef++}`;
    pendingRefs.set(ref, { resolve, reject });
    socket.send(JSON.stringify({ action, ref, data }));
  });
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const action = form.dataset && form.dataset.action;
  if (!action || !form.closest("[data-grouping]")) return;
  if (!socket || socket.readyState !== WebSocket.OPEN || root.dataset.connection !== "live") return; // plain POST
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  event.preventDefault();
  const data = {};
  for (const [key, value] of new FormData(form).entries()) {
    if (key !== "csrfmiddlewaretoken" && key !== "op") data[key] = value;
  }
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    await socketSend(action, data);
  } catch (frame) {
    if (frame.code === "offline") form.submit();
    else announce(frame.message || "", true);
  } finally {
    if (button) button.disabled = false;
  }
});

function renderFigure(name, value) {
  if (value == null) return;
  for (const node of root.querySelectorAll(`[data-figure="${name}"]`)) node.textContent = String(value);
  agree(name, value);
}

// The word after a count agrees with it (workshops/templatetags/room_figures.py renders both
// forms): French 0 and 1 singular, English 1 only.
function agree(name, n) {
  const one = document.documentElement.lang.startsWith("fr") ? n <= 1 : n === 1;
  for (const node of document.querySelectorAll(`[data-plural-of="${name}"]`)) {
    node.textContent = one ? node.dataset.one : node.dataset.other;
  }
}


function connect(attempt = 0) {
  if (!root.dataset.ws) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}${root.dataset.ws}?since=${root.dataset.seq || 0}`);
  socket = ws;
  let opened = false;
  ws.addEventListener("message", (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === "ack" || (frame.type === "error" && frame.ref != null)) {
      const pending = pendingRefs.get(frame.ref);
      if (pending) {
        pendingRefs.delete(frame.ref);
        if (frame.type === "ack") pending.resolve(frame.data);
        else pending.reject(frame);
      }
      return;
    }
    if (frame.type === "ready") {
      opened = true;
      root.dataset.connection = "live";
    }
    if (typeof frame.seq === "number") root.dataset.seq = String(Math.max(Number(root.dataset.seq || 0), frame.seq));
    // The room's figures (workshops/figures.py), as the stage and the phones show them.
    if (frame.type === "presence") renderFigure("connected", frame.data?.total);
    else if (frame.type === "figures.changed") renderFigure("registered", frame.data?.registered);
    else if (frame.type === "vote.tally") renderFigure("registered", frame.data?.eligible);
    // Other modules on the page (the grouping panel) follow the room's events too.
    if (frame.type) document.dispatchEvent(new CustomEvent("room:event", { detail: frame }));
    if (WATCHED.has(frame.type)) refreshSoon();
  });
  ws.addEventListener("close", (event) => {
    root.dataset.connection = "offline";
    for (const pending of pendingRefs.values()) pending.reject({ code: "offline" });
    pendingRefs.clear();
    if ([4001, 4003, 4004].includes(event.code)) return;
    const next = opened ? 0 : attempt + 1;
    setTimeout(() => connect(next), Math.min(30000, 500 * 2 ** next));
  });
}

// --- the stage preview: the stage at 1280×720, scaled to the pane -----------------------------
function fitPreview() {
  const frame = root.querySelector("[data-preview]");
  if (!frame) return;
  const box = frame.parentElement;
  const resize = () => {
    const scale = box.clientWidth / 1280;
    frame.style.transform = `scale(${scale})`;
    box.style.height = `${Math.round(720 * scale)}px`;
  };
  box.classList.add("presenter__frame--scaled");
  new ResizeObserver(resize).observe(box);
  resize();
}

if (root) {
  fitPreview();
  setUpConditions(root);
  startTimer();
  connect();
}
