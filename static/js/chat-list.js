// "내 채팅": unread counts and last messages update live (events from notifications.js).

const list = document.getElementById("chat-list");

function setUnread(roomId, count) {
  const badge = document.querySelector(`[data-room-unread="${roomId}"]`);
  if (!badge) return;
  badge.textContent = String(count);
  badge.hidden = !count;
  badge.setAttribute("aria-label", `읽지 않은 메시지 ${count}개`);
}

window.addEventListener("mb:chat-unread", (event) => {
  const { room_id: roomId, unread, message } = event.detail;
  const item = list?.querySelector(`[data-room-id="${roomId}"]`);
  if (!item) {
    // A room this page does not show yet (just joined): reload the list once.
    location.reload();
    return;
  }
  setUnread(roomId, unread);
  const last = item.querySelector(`[data-room-last="${roomId}"]`);
  const text = message.message.length > 60 ? `${message.message.slice(0, 59)}…` : message.message;
  last.textContent = message.user ? `${message.user.username}: ${text}` : text;
  const time = item.querySelector(`[data-room-time="${roomId}"]`);
  if (time) {
    time.dateTime = message.created_at;
    time.textContent = new Date(message.created_at).toLocaleString("ko-KR", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }
  list.prepend(item); // latest activity first
});

window.addEventListener("mb:unread", (event) => {
  for (const [roomId, count] of Object.entries(event.detail.rooms)) setUnread(roomId, count);
});
