// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const target = document.querySelector("[data-htmx-error]");
  if (target) target.textContent = target.dataset.htmxError;
});

// A table wider than the screen scrolls inside a wrapper (app.css), which must then be
// reachable with the keyboard (WCAG 2.1.1) and named (its caption): wrap such tables,
// and keep the wrapper in the Tab order only while it actually scrolls.
function wrapWideTables() {
  for (const table of document.querySelectorAll("main table")) {
    const parent = table.parentElement;
    const wrapped =
      parent.classList.contains("table-wrap") ||
      parent.classList.contains("table-scroll") ||
      parent.getAttribute("role") === "region";
    if (!wrapped && table.offsetWidth > parent.clientWidth + 1) {
      const wrap = document.createElement("div");
      wrap.className = "table-wrap";
      wrap.dataset.autoWrap = "1";
      wrap.setAttribute("role", "region");
      const caption = table.caption ? table.caption.textContent.trim() : "";
      const fallback = document.documentElement.lang === "en" ? "Table" : "Tableau";
      wrap.setAttribute("aria-label", caption || fallback);
      table.before(wrap);
      wrap.append(table);
    }
  }
  for (const wrap of document.querySelectorAll(".table-wrap[data-auto-wrap]")) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) wrap.tabIndex = 0;
    else wrap.removeAttribute("tabindex");
  }
}
let tableCheckPending = false;
function scheduleTableCheck() {
  if (tableCheckPending) return;
  tableCheckPending = true;
  requestAnimationFrame(() => {
    tableCheckPending = false;
    wrapWideTables();
  });
}
wrapWideTables();
window.addEventListener("resize", wrapWideTables);
new MutationObserver(scheduleTableCheck).observe(document.querySelector("main") || document.body, {
  childList: true,
  subtree: true,
});
