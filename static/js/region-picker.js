// Region picker behaviour (mealbuddy/regions/templates/regions/_picker.html).
// htmx fetches suggestions while the person types; this module fills the text field and the
// hidden "region" input when one is chosen, moves focus with the arrow keys, and asks the
// browser for its location for "현재 위치로". Delegated from document, so it also works for
// pickers that htmx swaps in later, and loading it twice is harmless.

const MESSAGES = {
  unsupported: "이 브라우저에서는 위치를 확인할 수 없어요. 동 이름으로 찾아 주세요.",
  insecure: "위치 확인은 보안 연결(https)에서만 쓸 수 있어요. 동 이름으로 찾아 주세요.",
  denied: "위치 권한이 거부되었어요. 브라우저 설정에서 위치 권한을 허용하거나 동 이름으로 찾아 주세요.",
  unavailable: "현재 위치를 확인할 수 없어요. 잠시 후 다시 시도하거나 동 이름으로 찾아 주세요.",
  timeout: "위치를 확인하는 데 시간이 너무 오래 걸려요. 다시 시도하거나 동 이름으로 찾아 주세요.",
  network: "동네를 불러오지 못했어요. 연결을 확인하고 다시 시도해 주세요.",
  locating: "현재 위치를 확인하는 중이에요…",
};

function parts(root) {
  return {
    input: root.querySelector("[data-region-input]"),
    hidden: root.querySelector("[data-region-id-input]"),
    list: root.querySelector("[data-region-suggestions]"),
    status: root.querySelector("[data-region-status]"),
    locate: root.querySelector("[data-region-locate]"),
  };
}

function say(root, text, isError = false) {
  const { status } = parts(root);
  status.textContent = text;
  status.classList.toggle("is-error", isError);
}

function syncExpanded(root) {
  const { input, list } = parts(root);
  const count = list.querySelectorAll("[data-region-choice]").length;
  input.setAttribute("aria-expanded", count > 0 ? "true" : "false");
  return count;
}

function choose(button) {
  const root = button.closest("[data-region-picker]");
  const { input, hidden, list } = parts(root);
  if (window.htmx) window.htmx.trigger(input, "htmx:abort"); // a late search must not reopen
  input.value = button.dataset.regionName;
  hidden.value = button.dataset.regionId;
  input.removeAttribute("aria-invalid");
  list.replaceChildren();
  syncExpanded(root);
  say(root, `‘${button.dataset.regionName}’을(를) 골랐어요.`);
  input.focus();
  root.dispatchEvent(
    new CustomEvent("region:chosen", {
      bubbles: true,
      detail: { id: button.dataset.regionId, name: button.dataset.regionName },
    }),
  );
}

function positionError(error) {
  if (error.code === 1) return window.isSecureContext ? MESSAGES.denied : MESSAGES.insecure;
  if (error.code === 3) return MESSAGES.timeout;
  return MESSAGES.unavailable;
}

async function showLocation(root, position) {
  const { list } = parts(root);
  const url = new URL(root.dataset.reverseUrl, window.location.href);
  url.searchParams.set("lat", position.coords.latitude.toFixed(6));
  url.searchParams.set("lon", position.coords.longitude.toFixed(6));
  url.searchParams.set("field", root.dataset.field || "address");
  let html;
  try {
    const response = await fetch(url, { headers: { "HX-Request": "true" } });
    html = await response.text();
  } catch {
    say(root, MESSAGES.network, true);
    return;
  }
  list.innerHTML = html;
  const found = list.querySelector("[data-region-autoselect]");
  if (found) {
    choose(found);
    return;
  }
  const message = list.querySelector("[data-region-message]");
  list.replaceChildren();
  syncExpanded(root);
  say(root, message ? message.textContent.trim() : MESSAGES.unavailable, true);
}

function locate(root) {
  const { locate: button } = parts(root);
  if (!("geolocation" in navigator)) {
    say(root, window.isSecureContext ? MESSAGES.unsupported : MESSAGES.insecure, true);
    return;
  }
  button.disabled = true;
  say(root, MESSAGES.locating);
  navigator.geolocation.getCurrentPosition(
    async (position) => {
      try {
        await showLocation(root, position);
      } finally {
        button.disabled = false;
      }
    },
    (error) => {
      button.disabled = false;
      say(root, positionError(error), true);
    },
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 },
  );
}

function moveFocus(root, from, step) {
  const { input } = parts(root);
  const buttons = [...root.querySelectorAll("[data-region-suggestions] [data-region-choice]")];
  if (!buttons.length) return;
  const index = buttons.indexOf(from);
  const next = index + step;
  if (next < 0) input.focus();
  else buttons[Math.min(next, buttons.length - 1)].focus();
}

if (!window.__regionPickerReady) {
  window.__regionPickerReady = true;

  document.addEventListener("click", (event) => {
    const choice = event.target.closest("[data-region-picker] [data-region-choice]");
    if (choice) {
      choose(choice);
      return;
    }
    const locateButton = event.target.closest("[data-region-picker] [data-region-locate]");
    if (locateButton) locate(locateButton.closest("[data-region-picker]"));
  });

  document.addEventListener("input", (event) => {
    if (!event.target.matches("[data-region-picker] [data-region-input]")) return;
    // The text no longer names the chosen region: the server resolves it again.
    const root = event.target.closest("[data-region-picker]");
    parts(root).hidden.value = "";
  });

  document.addEventListener("keydown", (event) => {
    const root = event.target.closest("[data-region-picker]");
    if (!root) return;
    const onInput = event.target.matches("[data-region-input]");
    const onChoice = event.target.matches("[data-region-choice]");
    if (event.key === "ArrowDown" && (onInput || onChoice)) {
      event.preventDefault();
      moveFocus(root, onInput ? null : event.target, 1);
    } else if (event.key === "ArrowUp" && onChoice) {
      event.preventDefault();
      moveFocus(root, event.target, -1);
    } else if (event.key === "Escape" && (onInput || onChoice)) {
      parts(root).list.replaceChildren();
      syncExpanded(root);
      parts(root).input.focus();
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const root = event.target.closest("[data-region-picker]");
    if (!root || !event.target.matches("[data-region-suggestions]")) return;
    const count = syncExpanded(root);
    const empty = event.target.querySelector('[data-region-count="0"]');
    if (count) {
      say(root, `동네 ${count}곳을 찾았어요. 아래 화살표 키로 고를 수 있어요.`);
    } else if (empty) {
      // Shown (and announced) in the status line instead of inside the list.
      event.target.replaceChildren();
      say(root, empty.textContent.trim());
    } else {
      say(root, "");
    }
  });
}
