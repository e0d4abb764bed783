// "동네 인증하기": ask the browser for its position once and post it with the page's form.
// Without JavaScript the button stays hidden and the page says what to do (noscript); when
// the browser cannot or will not give a position, the status line says why.

const MESSAGES = {
  unsupported: "이 브라우저에서는 위치를 확인할 수 없어요. 다른 브라우저나 휴대폰에서 시도해 주세요.",
  insecure: "위치 확인은 보안 연결(https)에서만 쓸 수 있어요.",
  denied: "위치 권한이 꺼져 있어요. 브라우저 설정에서 이 사이트의 위치 권한을 허용한 뒤 다시 눌러 주세요.",
  unavailable: "현재 위치를 확인할 수 없어요. 잠시 뒤 다시 시도해 주세요.",
  timeout: "위치를 확인하는 데 시간이 너무 오래 걸려요. 다시 시도해 주세요.",
  locating: "현재 위치를 확인하는 중이에요…",
  sending: "동네를 확인하는 중이에요…",
};

function positionError(error) {
  if (error.code === 1) return window.isSecureContext ? MESSAGES.denied : MESSAGES.insecure;
  if (error.code === 3) return MESSAGES.timeout;
  return MESSAGES.unavailable;
}

const root = document.querySelector("[data-verify]");
if (root) {
  const form = root.querySelector("[data-verify-form]");
  const button = root.querySelector("[data-verify-button]");
  const status = root.querySelector("[data-verify-status]");
  const result = root.querySelector("[data-verify-result]");
  if (result) result.focus();
  if (form && button) {
    button.hidden = false;
    form.addEventListener("submit", (event) => {
      if (form.dataset.ready === "1") return; // the position is in: let the post go
      event.preventDefault();
      if (!("geolocation" in navigator)) {
        status.textContent = window.isSecureContext ? MESSAGES.unsupported : MESSAGES.insecure;
        return;
      }
      button.disabled = true;
      status.textContent = MESSAGES.locating;
      navigator.geolocation.getCurrentPosition(
        (position) => {
          form.querySelector("[data-verify-lat]").value = position.coords.latitude.toFixed(6);
          form.querySelector("[data-verify-lon]").value = position.coords.longitude.toFixed(6);
          form.dataset.ready = "1";
          status.textContent = MESSAGES.sending;
          form.requestSubmit ? form.requestSubmit() : form.submit();
        },
        (error) => {
          button.disabled = false;
          status.textContent = positionError(error);
        },
        // A fresh position: an old cached one would verify where the person was, not is.
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 },
      );
    });
  }
}
