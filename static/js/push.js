// Web Push on the notifications page: "푸시 알림 받기" subscribes this browser through the
// service worker (/sw.js shows the pushes), "푸시 알림 끄기" unsubscribes it. The server
// keeps the subscription (/api/push/subscriptions/) and sends pushes from its worker.

const box = document.querySelector("[data-push]");

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response;
}

// applicationServerKey wants bytes; the server hands out base64url.
function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function init() {
  const button = box.querySelector("[data-push-toggle]");
  const status = box.querySelector("[data-push-status]");
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.isSecureContext) {
    status.textContent = "이 브라우저에서는 푸시 알림을 받을 수 없어요.";
    return;
  }
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (subscription) {
    // The server may have dropped it (the push service said 410): hand it over again.
    post("/api/push/subscriptions/", subscription.toJSON()).catch(() => {});
  }

  function render() {
    button.textContent = subscription ? "푸시 알림 끄기" : "푸시 알림 받기";
    button.dataset.state = subscription ? "on" : "off";
    button.hidden = false;
  }

  async function subscribe() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      status.textContent = "브라우저 설정에서 알림을 허용해야 푸시 알림을 받을 수 있어요.";
      return;
    }
    const response = await fetch("/api/push/key/", { credentials: "same-origin" });
    const { public_key: publicKey } = await response.json();
    const created = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(publicKey),
    });
    await post("/api/push/subscriptions/", created.toJSON());
    subscription = created;
    status.textContent = "이 브라우저에서 푸시 알림을 받아요.";
  }

  async function unsubscribe() {
    await post("/api/push/unsubscribe/", { endpoint: subscription.endpoint });
    await subscription.unsubscribe();
    subscription = null;
    status.textContent = "이 브라우저의 푸시 알림을 껐어요.";
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await (subscription ? unsubscribe() : subscribe());
    } catch {
      status.textContent = "푸시 알림 설정을 바꾸지 못했어요. 잠시 뒤 다시 시도해 주세요.";
    } finally {
      button.disabled = false;
      render();
    }
  });
  render();
}

if (box) init();
