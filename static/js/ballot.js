// Ballots: progressive enhancement only (every ballot works as a plain form).
// - dot voting: shows how many dots remain as the voter types;
// - live rooms: updates the turnout of a vote from "vote.tally" frames the room
//   socket re-dispatches as DOM events ("room:event", detail = the frame).

const gettext = window.gettext || ((s) => s);
const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (_, k) => obj[k]));

function setupDots(form) {
  const budget = Number(form.dataset.budget || 0);
  const inputs = form.querySelectorAll("input[data-dots]");
  const out = form.querySelector("[data-remaining]");
  if (!out || !inputs.length) return;
  const update = () => {
    let spent = 0;
    inputs.forEach((input) => { spent += Math.max(0, Number(input.value) || 0); });
    const left = budget - spent;
    out.hidden = false;
    out.classList.toggle("ballot__remaining--over", left < 0);
    out.textContent = left >= 0
      ? interpolate(gettext("Gommettes restantes : %(n)s"), { n: left }, true)
      : interpolate(gettext("Trop de gommettes : %(n)s en trop"), { n: -left }, true);
  };
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
}

document.querySelectorAll("form[data-ballot='dots']").forEach(setupDots);

document.addEventListener("room:event", (event) => {
  const frame = event.detail || {};
  if (frame.type !== "vote.tally" || !frame.data) return;
  const { session, voted, present, eligible } = frame.data;
  document.querySelectorAll(`[data-turnout="${session}"]`).forEach((el) => {
    const of = present ?? eligible;
    el.textContent = of == null
      ? interpolate(gettext("%(n)s votes"), { n: voted }, true)
      : interpolate(gettext("%(n)s votes sur %(of)s"), { n: voted, of }, true);
  });
});
