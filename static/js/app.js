// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const target = document.querySelector("[data-htmx-error]");
  if (target) target.textContent = target.dataset.htmxError;
});
