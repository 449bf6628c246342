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
