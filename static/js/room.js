// Live workshop room: the socket only adds liveness; every form also works as a plain POST.
//
// Protocol (see realtime/consumers.py): server frames {type, seq?, data}; client frames
// {action, ref, data}. The last seen seq is kept so that a reconnect (?since=) replays what
// was missed, in order, exactly once; a "resync" frame means "reload the page".

const room = document.getElementById("room");

class RoomSocket {
  constructor(root) {
    this.root = root;
    this.path = root.dataset.ws;
    this.seq = Number(root.dataset.seq || 0);
    this.refs = new Map();
    this.nextRef = 1;
    this.attempt = 0;
    this.ws = null;
    this.ready = false;
    this.handlers = {};
    this.statusNode = root.querySelector("[data-connection]");
    this.retry = null;
    // A phone that quietly loses its network can keep a dead socket for minutes:
    // trust the browser's own offline/online events too.
    window.addEventListener("offline", () => {
      if (this.ws) this.ws.close();
      this.status("offline");
    });
    window.addEventListener("online", () => {
      this.attempt = 0;
      const state = this.ws ? this.ws.readyState : WebSocket.CLOSED;
      if (state === WebSocket.CLOSED || state === WebSocket.CLOSING) {
        clearTimeout(this.retry);
        this.connect();
      }
    });
  }

  on(type, handler) {
    this.handlers[type] = handler;
  }

  status(state) {
    this.root.dataset.connection = state;
    if (this.statusNode) this.statusNode.textContent = this.root.dataset[`text${state[0].toUpperCase()}${state.slice(1)}`] || state;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.status("connecting");
    this.ready = false;
    const ws = new WebSocket(`${scheme}://${location.host}${this.path}?since=${this.seq}`);
    this.ws = ws;
    // Events of a socket that was replaced (closed while offline) are ignored.
    ws.addEventListener("message", (event) => ws === this.ws && this.receive(event.data));
    ws.addEventListener("close", (event) => ws === this.ws && this.closed(event));
  }

  closed(event) {
    this.ready = false;
    for (const { reject } of this.refs.values()) reject({ code: "offline" });
    this.refs.clear();
    // 4001: logged out / removed; 4003/4004: no access. Don't hammer the server.
    if ([4001, 4003, 4004].includes(event.code)) {
      this.status("closed");
      return;
    }
    this.status("offline");
    const delay = Math.min(30000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), delay);
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (frame.type === "ack" || (frame.type === "error" && frame.ref != null)) {
      const pending = this.refs.get(frame.ref);
      if (pending) {
        this.refs.delete(frame.ref);
        if (frame.type === "ack") pending.resolve(frame.data);
        else pending.reject(frame);
      }
      return;
    }
    if (frame.type === "ready") {
      this.ready = true;
      this.attempt = 0;
      this.seq = Math.max(this.seq, frame.data.seq);
      this.status("live");
      return;
    }
    if (frame.type === "resync") {
      location.reload();
      return;
    }
    if (frame.type === "live.status") {
      // The server's channel layer is down (or back): events still arrive, from the database.
      this.status(frame.data.live ? "live" : "paused");
      return;
    }
    if (typeof frame.seq === "number") {
      if (frame.seq <= this.seq) return; // already applied
      this.seq = frame.seq;
    }
    // Other apps' modules (votes: static/js/ballot.js) follow room events too.
    document.dispatchEvent(new CustomEvent("room:event", { detail: frame }));
    const handler = this.handlers[frame.type];
    if (handler) {
      try {
        handler(frame.data, frame);
      } catch (error) {
        console.error(error);
      }
    }
  }

  // An action refused "busy" (this socket's earlier actions still run on the server) is sent
  // again after a short pause, a few times, before its message is shown.
  async send(action, data) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.sendOnce(action, data);
      } catch (error) {
        if (error.code !== "busy" || attempt >= 3) throw error;
        await new Promise((wait) => setTimeout(wait, 300 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  sendOnce(action, data) {
    return new Promise((resolve, reject) => {
      if (!this.ready || this.ws.readyState !== WebSocket.OPEN) {
        reject({ code: "offline" });
        return;
      }
      const ref = `c-${this.nextRef++}`;
      this.refs.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify({ action, ref, data }));
    });
  }
}

const $ = (selector, scope = document) => scope.querySelector(selector);
const $$ = (selector, scope = document) => Array.from(scope.querySelectorAll(selector));

const NUMERIC = new Set(["id", "axis", "source", "target", "minutes"]);

function formData(form, submitter) {
  const data = {};
  const entries = [...new FormData(form).entries()];
  if (submitter && submitter.name) entries.push([submitter.name, submitter.value]);
  for (const [key, value] of entries) {
    if (key === "csrfmiddlewaretoken" || key === "op") continue;
    const parsed = NUMERIC.has(key) && /^\d+$/.test(value) ? Number(value) : value;
    // A key given more than once (checkboxes: a suggested group's ideas) joins with commas.
    data[key] = key in data ? `${data[key]},${value}` : parsed;
  }
  // A reaction button says « <idea>:<kind> » (one form for the page: workshops/_idea.html).
  if (typeof data.reaction === "string") {
    const [id, kind] = data.reaction.split(":");
    data.id = /^\d+$/.test(id) ? Number(id) : id;
    data.kind = kind;
    delete data.reaction;
  }
  return data;
}

function feedback(form, text, isError) {
  const node = $("[data-feedback]", form) || $("[data-console-feedback]");
  if (!node) return;
  node.textContent = text;
  node.classList.toggle("form-feedback--error", Boolean(isError));
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID().replaceAll("-", "") : String(Date.now()) + Math.random();
}

// --- rendering events -------------------------------------------------------------------------

function formatSeconds(total) {
  const s = Math.max(0, Math.round(total));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

const timer = {
  node: $("[data-timer]"),
  endsAt: null,
  remaining: null,
  set(data) {
    if (!this.node) return;
    this.endsAt = data && data.running && data.ends_at ? Date.parse(data.ends_at) : null;
    this.remaining = data ? data.remaining : null;
    const state = $("[data-timer-state]", this.node);
    if (state) state.textContent = data && !data.running && data.remaining != null ? "⏸" : "";
    this.tick();
  },
  tick() {
    if (!this.node) return;
    const text = $("[data-timer-text]", this.node);
    let left = this.remaining;
    if (this.endsAt) left = (this.endsAt - Date.now()) / 1000;
    text.textContent = left == null ? "—" : formatSeconds(left);
    this.node.classList.toggle("timer--ending", left != null && left <= 60);
  },
  init() {
    if (!this.node) return;
    const d = this.node.dataset;
    this.set({ running: d.running === "1", ends_at: d.endsAt || null, remaining: d.remaining ? Number(d.remaining) : null });
    setInterval(() => this.tick(), 1000);
  },
};

function ideaCount(delta) {
  let n = null;
  for (const node of $$("[data-idea-count]")) {
    n = Number(node.textContent) + delta;
    node.textContent = String(n);
  }
  if (n != null) agree("ideas", n);
}
// The word after a count agrees with it (workshops/templatetags/room_figures.py renders both
// forms): French 0 and 1 singular, English 1 only.
function agree(name, n) {
  const one = document.documentElement.lang.startsWith("fr") ? n <= 1 : n === 1;
  for (const node of document.querySelectorAll(`[data-plural-of="${name}"]`)) {
    node.textContent = one ? node.dataset.one : node.dataset.other;
  }
}


function renderIdea(idea) {
  const list = $("[data-ideas]");
  const template = $("#idea-template");
  if (!list || !template || list.querySelector(`[data-idea="${idea.id}"]`)) return;
  const node = template.content.firstElementChild.cloneNode(true);
  node.dataset.idea = idea.id;
  if (node.id !== undefined) node.id = `idee-${idea.id}`;
  $("[data-idea-title]", node).textContent = idea.title;
  const body = $("[data-idea-body]", node);
  if (body) body.innerHTML = idea.body_html; // sanitised on the server when it was written
  $("[data-idea-author]", node).textContent = idea.author;
  const college = $("[data-idea-college]", node);
  if (college) college.textContent = idea.college_label;
  for (const input of $$("[data-idea-id]", node)) input.value = idea.id;
  for (const button of $$("[data-idea-ref]", node)) button.value = `${idea.id}${button.value.slice(button.value.indexOf(":"))}`;
  for (const el of $$("[id]", node)) el.id = `${el.id}${idea.id}`;
  for (const label of $$("label[for]", node)) label.htmlFor = `${label.htmlFor}${idea.id}`;
  $("[data-empty]", list)?.remove();
  list.prepend(node);
  if (list.dataset.compact) {
    while (list.children.length > 12) list.lastElementChild.remove();
  }
  ideaCount(1);
}

function setReactions(id, counts) {
  const node = $(`[data-ideas] [data-idea="${id}"]`);
  if (!node) return;
  for (const [kind, n] of Object.entries(counts || {})) {
    const count = $(`[data-reaction="${kind}"]`, node);
    if (count) count.textContent = String(n);
  }
}

function removeIdea(id) {
  const node = $(`[data-ideas] [data-idea="${id}"]`);
  if (node) {
    node.remove();
    ideaCount(-1);
  }
}

function renderSpotlight(idea) {
  for (const box of $$("[data-spotlight]")) {
    box.replaceChildren();
    if (!idea) continue;
    const title = document.createElement("p");
    title.className = "room__spotlight-title";
    title.textContent = idea.title;
    const who = document.createElement("p");
    who.className = "muted";
    who.textContent = idea.author;
    box.append(title, who);
  }
}

function renderAgenda(data) {
  const list = $("[data-agenda]");
  const current = data.phases.find((p) => p.id === data.current);
  // An opinion step starts or ends: the server renders its vote card (or takes it away).
  if (room && room.dataset.projector !== "1" && Boolean($("[data-opinion-step]")) !== (current?.kind === "opinions")) {
    location.reload();
    return;
  }
  for (const node of $$("[data-current-phase]")) node.textContent = current ? current.title : "—";
  if (list) {
    list.replaceChildren(
      ...data.phases.map((phase) => {
        const li = document.createElement("li");
        li.dataset.phase = phase.id;
        // The facilitator's words, in French: said so on an English page (as the server renders it).
        const title = document.createElement("span");
        title.textContent = phase.title;
        if (document.documentElement.lang !== "fr") title.lang = "fr";
        li.append(title, ` (${phase.planned_minutes} min)`);
        if (phase.id === data.current) {
          li.setAttribute("aria-current", "step");
          li.className = "agenda__current";
        }
        return li;
      }),
    );
  }
  timer.set(data.timer);
}

function renderHands(data) {
  const list = $("[data-hands]");
  if (list) {
    list.replaceChildren(
      ...data.queue.map((hand) => {
        const li = document.createElement("li");
        li.textContent = hand.name;
        return li;
      }),
    );
  }
  const speaking = $("[data-speaking]");
  if (speaking && data.speaking) speaking.textContent = `🎤 ${data.speaking.name}`;
}

// The room's figures (workshops/figures.py defines them): « connecté·es maintenant » comes with
// the presence frames, « inscrit·es à l'atelier » with the page, each vote's tally and the
// « figures.changed » event (someone joined or was removed). One
// figure never overwrites another.
function renderFigure(name, value) {
  if (value == null) return;
  for (const node of $$(`[data-figure="${name}"]`)) node.textContent = String(value);
  agree(name, value);
}

function renderPresence(data) {
  renderFigure("connected", data.total);
  // Who is connected, by college (the console shows it): never written over the registered.
  for (const node of $$("[data-connected-college]")) node.textContent = String(data.colleges[node.dataset.connectedCollege] || 0);
}

function renderLock(locked) {
  const banner = $("[data-board-locked]");
  if (banner) banner.hidden = !locked;
  const value = $("[data-lock-value]");
  const button = $("[data-lock-button]");
  if (value) value.value = locked ? "0" : "1";
  if (button) button.textContent = locked ? button.dataset.textUnlock : button.dataset.textLock;
}

function renderGroups(data) {
  // The facilitator's groups of ideas, read-only: a line each, its ideas behind it.
  const box = $("[data-room-groups]");
  if (!box) return;
  const open = new Set($$("details[open]", box).map((d) => d.dataset.roomGroup));
  const title = (id) => {
    const node = $(`[data-ideas] [data-idea="${id}"] [data-idea-title]`);
    return node ? node.textContent.trim() : null;
  };
  const groups = (data.groups || []).slice().sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const nodes = groups.map((group) => {
    const details = document.createElement("details");
    details.className = "room-group";
    details.dataset.roomGroup = String(group.id);
    details.open = open.has(String(group.id));
    const summary = document.createElement("summary");
    const name = document.createElement("span");
    name.className = "room-group__name";
    name.textContent = group.name;
    if (document.documentElement.lang !== "fr") name.lang = "fr";
    const titles = group.idea_ids.map(title).filter(Boolean);
    const count = document.createElement("span");
    count.className = "muted";
    count.textContent = ` (${titles.length})`;
    summary.append(name, count);
    const list = document.createElement("ul");
    list.className = "list-plain";
    for (const text of titles) {
      const item = document.createElement("li");
      item.textContent = text;
      if (document.documentElement.lang !== "fr") item.lang = "fr";
      list.append(item);
    }
    details.append(summary, list);
    return details;
  });
  const heading = document.createElement("h3");
  heading.className = "room-groups__title";
  heading.textContent = box.dataset.textTitle;
  box.replaceChildren(heading, ...nodes);
  box.hidden = nodes.length === 0;
}

// --- wiring ----------------------------------------------------------------------------------

// The room page leaves htmx out of its first paint (workshop_room.html): loaded once the page
// has (htmx starts only on a complete document). What was typed before it came is looked at
// again (the similar ideas follow the idea field's input events).
function loadHtmx(src) {
  const script = document.createElement("script");
  script.src = src;
  script.addEventListener("load", () => {
    const field = $("form.idea-form [name=title]");
    if (field && field.value) field.dispatchEvent(new Event("input", { bubbles: true }));
  });
  document.head.append(script);
}
if (room && room.dataset.htmx && !window.htmx) {
  if (document.readyState === "complete") loadHtmx(room.dataset.htmx);
  else window.addEventListener("load", () => loadHtmx(room.dataset.htmx), { once: true });
}

if (room && "WebSocket" in window) {
  const socket = new RoomSocket(room);
  socket.on("proposal.created", renderIdea);
  socket.on("reaction.changed", (d) => setReactions(d.id, d.reactions));
  socket.on("proposal.hidden", (d) => removeIdea(d.id));
  socket.on("proposal.merged", (d) => {
    removeIdea(d.source);
    setReactions(d.target, d.reactions);
  });
  socket.on("spotlight.changed", (d) => renderSpotlight(d.idea));
  socket.on("phase.changed", renderAgenda);
  socket.on("timer.changed", (d) => timer.set(d));
  socket.on("hands.changed", renderHands);
  socket.on("presence", renderPresence);
  socket.on("idea_groups.changed", renderGroups);
  socket.on("vote.tally", (d) => renderFigure("registered", d.eligible));
  socket.on("figures.changed", (d) => renderFigure("registered", d.registered));
  socket.on("board.locked", (d) => renderLock(d.locked));
  socket.on("workshop.code_changed", (d) => {
    for (const node of $$("[data-join-code]")) node.textContent = d.code;
    const qr = $("[data-qr]");
    if (qr) qr.src = `${qr.src.split("?")[0]}?v=${encodeURIComponent(d.code)}`;
  });
  // A new state changes which controls exist: the server renders them.
  socket.on("workshop.state_changed", () => location.reload());

  // Forms with data-action go through the socket when it is up, as a plain POST otherwise.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const action = form.dataset && form.dataset.action;
    if (!action || !socket.ready) return;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    const submitter = event.submitter;
    const data = formData(form, submitter);
    if (action === "proposal.create") {
      const key = form.querySelector("[name=client_key]");
      data.client_key = key && key.value ? key.value : newKey();
    }
    const button = submitter || form.querySelector("button[type=submit]");
    // Disabled while it is sent, the button would lose the focus: it gets it back.
    const focused = button && document.activeElement === button;
    if (button) button.disabled = true;
    try {
      await socket.send(action, data);
      if (action === "proposal.create") {
        form.reset();
        const key = form.querySelector("[name=client_key]");
        if (key) key.value = newKey();
        feedback(form, room.dataset.textSent, false);
      } else if (action === "hand.raise" || action === "hand.lower") {
        const raised = action === "hand.raise";
        form.dataset.action = raised ? "hand.lower" : "hand.raise";
        const op = form.querySelector("[name=op]");
        if (op) op.value = raised ? "lower" : "raise";
        if (button) button.textContent = raised ? button.dataset.textLower : button.dataset.textRaise;
      } else {
        feedback(form, "", false);
      }
    } catch (error) {
      if (error.code === "offline") {
        // The socket dropped: fall back to the plain form (with the button's own value).
        if (submitter && submitter.name) {
          const field = document.createElement("input");
          field.type = "hidden";
          field.name = submitter.name;
          field.value = submitter.value;
          form.append(field);
        }
        form.submit();
        return;
      }
      feedback(form, error.message || error.code, true);
    } finally {
      if (button) button.disabled = false;
      if (focused && (document.activeElement === document.body || !document.activeElement)) button.focus();
    }
  });

  timer.init();
  room.roomSocket = socket; // the stage's presenter keys (static/js/stage.js) send through it
  socket.connect();
}
