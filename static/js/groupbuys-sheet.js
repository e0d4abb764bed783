// Bottom sheets on the order page. A sheet is a section that is always in the page (the join
// card, the "메뉴 담기" form): without JavaScript the sticky bar's link just jumps to it. Here
// the same link presents it as a modal sheet: focus moves in and stays in, Esc or "닫기"
// closes it, and focus goes back to the button that opened it.
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

let open = null; // { sheet, opener, backdrop }

const focusables = (root) => [...root.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);

function openSheet(id, opener) {
  const sheet = document.getElementById(id);
  if (!sheet) return false;
  if (open) closeSheet({ restore: false });
  const backdrop = document.createElement("div");
  backdrop.className = "gb-backdrop";
  backdrop.addEventListener("click", () => closeSheet());
  document.body.append(backdrop);
  sheet.classList.add("is-open");
  sheet.setAttribute("role", "dialog");
  sheet.setAttribute("aria-modal", "true");
  document.body.classList.add("gb-sheet-open");
  open = { sheet, opener, backdrop };
  const target = sheet.querySelector("[data-sheet-focus]") || focusables(sheet).find((el) => el.matches("input, select, textarea")) || sheet;
  if (target === sheet) sheet.tabIndex = -1;
  target.focus();
  return true;
}

function closeSheet({ restore = true } = {}) {
  if (!open) return;
  const { sheet, opener, backdrop } = open;
  open = null;
  sheet.classList.remove("is-open");
  sheet.removeAttribute("role");
  sheet.removeAttribute("aria-modal");
  backdrop.remove();
  document.body.classList.remove("gb-sheet-open");
  if (restore && opener && opener.isConnected) opener.focus();
}

document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-sheet-open]");
  if (opener) {
    if (openSheet(opener.dataset.sheetOpen, opener)) event.preventDefault();
    return;
  }
  if (event.target.closest("[data-sheet-close]")) closeSheet();
});

document.addEventListener("keydown", (event) => {
  if (!open) return;
  if (event.key === "Escape") {
    event.preventDefault();
    closeSheet();
    return;
  }
  if (event.key !== "Tab") return;
  const items = focusables(open.sheet);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (!open.sheet.contains(document.activeElement)) {
    event.preventDefault();
    first.focus();
  } else if (event.shiftKey && (document.activeElement === first || document.activeElement === open.sheet)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
});

// A form in the sheet was sent and htmx replaced the panel: the sheet is gone with it. When
// the answer put errors on the same form, present it again (the person is still filling it).
document.addEventListener("htmx:afterSettle", () => {
  if (!open || open.sheet.isConnected) return;
  const { id } = open.sheet;
  closeSheet({ restore: false });
  const again = document.getElementById(id);
  if (again && again.querySelector('[aria-invalid="true"]')) openSheet(id, document.querySelector(`[data-sheet-open="${id}"]`));
});
