// The proposal board: progressive enhancement over htmx (the page works without it).
// After htmx swaps the results from a pagination link, keyboard and screen-reader
// users land on the results count instead of losing their place at the page bottom.
document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id !== "board-results") return;
  const trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (trigger && trigger.closest(".pagination")) {
    const count = document.getElementById("board-count");
    if (count) count.focus();
  }
});

// On a phone the filter fields fold behind « Filtrer » (the search stays); the active
// filters show above the results as removable chips. Without JavaScript, all is shown.
const filters = document.querySelector(".board-filters");
const toggle = filters && filters.querySelector(".board-filters__toggle");
if (filters && toggle) {
  const phone = window.matchMedia("(max-width: 40rem)");
  const fold = (folded) => {
    filters.classList.toggle("is-folded", folded);
    toggle.setAttribute("aria-expanded", String(!folded));
  };
  const apply = () => {
    toggle.hidden = !phone.matches;
    fold(phone.matches);
  };
  toggle.addEventListener("click", () => fold(!filters.classList.contains("is-folded")));
  phone.addEventListener("change", apply);
  apply();
}
