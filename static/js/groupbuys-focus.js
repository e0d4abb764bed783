// After an action swaps the order panel or the 정산 section (or re-renders the page with a
// refusal), keyboard and screen-reader users land on what happened, the refusal or the
// confirmation, instead of the top of the page. The server marks that message with
// `data-after-action` only in an action's answer. The section it belongs to ("내 메뉴" after
// joining) is scrolled to the top so everyone sees where the page moved.
const focusNote = () => {
  const note = document.querySelector("[data-after-action]");
  if (!note) return;
  note.removeAttribute("data-after-action");
  const section = note.closest("section") || note;
  section.scrollIntoView({ block: "start" });
  note.focus({ preventScroll: true });
};

focusNote();
document.addEventListener("htmx:afterSettle", focusNote);
