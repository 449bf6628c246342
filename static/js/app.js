// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const target = document.querySelector("[data-htmx-error]");
  if (target) target.textContent = target.dataset.htmxError;
});

// The header menu is a <details> that works without this file; Escape closes it and puts the
// focus back on its button, as for other disclosure menus.
for (const menu of document.querySelectorAll("details.site-menu")) {
  menu.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !menu.open) return;
    const toggle = menu.querySelector("summary");
    if (getComputedStyle(toggle).display === "none") return; // wide screen: always shown
    menu.open = false;
    toggle.focus();
  });
}

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
  // The same for the wrappers written in the templates (focusable by default, for pages
  // read without JavaScript): out of the Tab order while their table fits.
  const regions = '.table-wrap[data-auto-wrap], main [role="region"]:is(.table-wrap, .table-scroll, .summary-table-scroll)';
  for (const wrap of document.querySelectorAll(regions)) {
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
