// Field errors go away as soon as the field is fixed: on input, a field that now passes the
// browser's own checks (required, type, min/max, length) loses its error message and
// aria-invalid. Listens on the document, so forms swapped in by htmx work too. The server
// still checks everything on submit; this only stops a fixed field from looking wrong.

// "<id>_errors" (templates/_field.html) or "<name>-errors" (the region picker).
const ERROR_ID = /[-_]errors$/;

const hasValue = (control) => {
  if (control.type === "checkbox" || control.type === "radio") return true;
  if (control.type === "file") return control.files && control.files.length > 0;
  return control.value.trim() !== "";
};

// Fixed: the value is there and the browser finds nothing wrong with it.
const isFixed = (control) => hasValue(control) && control.checkValidity();

const dropErrorIds = (element) => {
  const ids = (element.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const kept = ids.filter((id) => !ERROR_ID.test(id));
  if (kept.length === ids.length) return;
  if (kept.length) element.setAttribute("aria-describedby", kept.join(" "));
  else element.removeAttribute("aria-describedby");
};

// The whole form's "입력한 내용을 확인해 주세요." goes once no field is marked any more.
const clearSummary = (form) => {
  if (!form || form.querySelector('[aria-invalid="true"], .field .errorlist')) return;
  for (const summary of form.querySelectorAll("p.errorlist[role=alert]")) summary.remove();
};

const clear = (event) => {
  const control = event.target;
  if (!(control instanceof HTMLInputElement || control instanceof HTMLSelectElement
    || control instanceof HTMLTextAreaElement)) return;
  const box = control.closest(".field, fieldset");
  if (!box) return;
  const marked = box.querySelector('[aria-invalid="true"], .errorlist');
  if (!marked || !isFixed(control)) return;
  const lists = [...box.querySelectorAll(".errorlist")];
  if (lists.some((list) => list.id && !ERROR_ID.test(list.id))) return; // not a field's own
  for (const list of lists) list.remove();
  for (const element of [box, ...box.querySelectorAll("[aria-describedby], [aria-invalid]")]) {
    element.removeAttribute("aria-invalid");
    dropErrorIds(element);
  }
  clearSummary(control.form);
};

document.addEventListener("input", clear);
document.addEventListener("change", clear);
