// The board's sheets (날씨, 뭐 먹지?, 필터) are plain <details>: they open and close without
// this script. It only adds what people expect from a sheet: Escape or a tap outside closes
// it (focus goes back to its chip), and Space works on the 옆 동네 switch like on a button.
const openSheets = () => document.querySelectorAll("details.board-sheet[open]");

const close = (sheet, { focus = false } = {}) => {
  sheet.open = false;
  if (focus) sheet.querySelector("summary")?.focus();
};

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    for (const sheet of openSheets()) close(sheet, { focus: sheet.contains(document.activeElement) });
  }
  const target = event.target;
  if (event.key === " " && target instanceof HTMLAnchorElement && target.getAttribute("role") === "switch") {
    event.preventDefault();
    target.click();
  }
});

document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof Element) || !target.isConnected) return;
  for (const sheet of openSheets()) {
    if (!sheet.contains(target)) close(sheet);
  }
});

// A filter applied from the sheet (or cleared) swaps the whole #board, and the control that
// had focus goes with it: give focus back to the 필터 chip rather than to the page's top.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail?.target;
  if (!(target instanceof Element) || target.id !== "board") return;
  if (document.activeElement && document.activeElement !== document.body) return;
  document.querySelector("#filter-sheet > summary")?.focus({ preventScroll: true });
});

// A sheet opened before htmx had set up its "toggle once" trigger (a quick tap on a slow
// phone) would keep its fallback link: once the page has loaded, ask for what it missed.
// "once" keeps a sheet that already loaded from asking again.
window.addEventListener("load", () => {
  for (const sheet of openSheets()) {
    if (sheet.hasAttribute("hx-get") && window.htmx) window.htmx.trigger(sheet, "toggle");
  }
});
