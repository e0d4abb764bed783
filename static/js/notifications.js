// Live navigation badges (내 채팅 / 알림) over ws/notifications/, on every page.
// Other modules listen to the window events it re-emits: "mb:unread", "mb:chat-unread",
// "mb:notification", and "mb:<type>" for any other event (e.g. "mb:groupbuy.changed"). A page
// follows one object's changes on this socket with a data-socket-follow='{...}' frame, sent
// on every connect. Text from the server is only ever set with textContent.

const badges = {
  chats: document.querySelector('[data-badge="chats"]'),
  notifications: document.querySelector('[data-badge="notifications"]'),
};

function setBadge(name, count) {
  const el = badges[name];
  if (!el) return;
  el.textContent = String(count);
  el.hidden = !count;
  el.setAttribute("aria-label", name === "chats" ? `읽지 않은 메시지 ${count}개` : `새 알림 ${count}개`);
}

function prependNotification(n) {
  const list = document.getElementById("notification-list");
  if (!list) return;
  list.querySelector("[data-empty]")?.remove();
  const li = document.createElement("li");
  li.className = "card notification notification-unread";
  li.dataset.kind = n.kind;
  let label;
  if (n.url) {
    label = document.createElement("a");
    label.href = n.url;
  } else {
    label = document.createElement("span");
  }
  label.textContent = n.text;
  const time = document.createElement("time");
  time.className = "muted small";
  time.dateTime = n.created_at;
  time.textContent = new Date(n.created_at).toLocaleString("ko-KR", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  li.append(label, " ", time);
  list.prepend(li);
}

let delay = 1000;

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/notifications/`);
  socket.addEventListener("open", () => {
    delay = 1000;
    for (const el of document.querySelectorAll("[data-socket-follow]")) socket.send(el.dataset.socketFollow);
  });
  socket.addEventListener("message", (event) => {
    let data;
    try { data = JSON.parse(event.data); } catch { return; }
    if (data.type === "unread") {
      setBadge("chats", data.chats);
      setBadge("notifications", data.notifications);
      window.dispatchEvent(new CustomEvent("mb:unread", { detail: data }));
    } else if (data.type === "chat.unread") {
      setBadge("chats", data.chats);
      window.dispatchEvent(new CustomEvent("mb:chat-unread", { detail: data }));
    } else if (data.type === "notification") {
      setBadge("notifications", data.notifications);
      prependNotification(data.notification);
      window.dispatchEvent(new CustomEvent("mb:notification", { detail: data }));
    } else if (typeof data.type === "string") {
      window.dispatchEvent(new CustomEvent(`mb:${data.type}`, { detail: data }));
    }
  });
  socket.addEventListener("close", (event) => {
    // 4001: the account's sessions ended (logged out everywhere, new password, deleted);
    // reconnecting would be refused, the next page load asks to log in again.
    if (event.code === 4001) return;
    // 4031: the account is suspended or banned; the page's banner says until when.
    if (event.code === 4031) return;
    const wait = (event.code === 4029 ? 30000 : delay) + Math.random() * 500;
    delay = Math.min(delay * 2, 30000);
    setTimeout(connect, wait);
  });
}

if (badges.chats || badges.notifications) connect();
