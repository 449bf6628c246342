// Opinion map: progressive enhancement only (voting and the map work as plain forms and links).
// - after a vote swapped in the next statement, focus moves to it, so that keyboard and
//   screen-reader users carry on from the new statement instead of the top of the page;
// - in a live room, room.js re-dispatches frames as "room:event": "opinions.analysis"
//   refreshes the map at once instead of waiting for the next poll.

document.body.addEventListener("htmx:afterSwap", (event) => {
  const card = event.detail && event.detail.target;
  if (!card || card.id !== "vote-card") return;
  const next = document.querySelector("#vote-card [data-focus-after-vote]");
  if (next) next.focus();
});

document.addEventListener("room:event", (event) => {
  const frame = event.detail || {};
  if (frame.type !== "opinions.analysis") return;
  const map = document.getElementById("carte");
  if (map && window.htmx && String(frame.data && frame.data.conversation) === map.dataset.conversation) {
    window.htmx.trigger(map, "opinions:refresh");
  }
});
