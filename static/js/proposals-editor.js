// Proposal editor: keeps a copy of the draft in this browser, so that a closed tab, a
// crash or an expired session does not lose what was written. The server already
// re-displays the draft after a validation error; this covers everything else.
const form = document.querySelector("[data-draft-key]");
if (form) {
  const key = `agir-draft:${form.dataset.draftKey}`;
  const fields = ["title", "body", "axis"].map((name) => form.elements[name]).filter(Boolean);
  const notice = form.querySelector("[data-draft-restored]");
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    saved = null;
  }
  // Restore only into an empty form: never overwrite what the server sent back.
  const empty = fields.every((field) => field.name === "axis" || !field.value.trim());
  if (saved && empty) {
    for (const field of fields) {
      if (saved[field.name]) field.value = saved[field.name];
    }
    if (notice) notice.hidden = false;
    // Refresh the preview once htmx has wired the textarea (it does so on DOMContentLoaded).
    const refresh = () => {
      const body = form.elements.body;
      if (body) body.dispatchEvent(new Event("input", { bubbles: true }));
    };
    if (document.readyState === "complete") refresh();
    else window.addEventListener("load", refresh);
  }
  let timer = null;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const draft = Object.fromEntries(fields.map((field) => [field.name, field.value]));
      try {
        localStorage.setItem(key, JSON.stringify(draft));
      } catch {
        // Storage full or disabled: the form still works.
      }
    }, 500);
  });
  form.addEventListener("submit", () => {
    // A save still waiting (the last keystroke, or the axis just chosen) must not bring
    // the published draft back after it is cleared.
    clearTimeout(timer);
    localStorage.removeItem(key);
  });
}
