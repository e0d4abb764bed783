// One chat room: history (older pages on scroll up), the live socket with reconnect +
// catch-up (?after=<last id>), composer (Enter sends, Shift+Enter new line), the members
// sheet (a modal <dialog>) with ban (host) and leave, each author's photo beside their
// messages. Message text is only ever set with textContent, never as HTML.

const root = document.querySelector("[data-chat-room]");
const roomId = Number(root.dataset.roomId);
const me = Number(root.dataset.userId);
const isHost = root.dataset.isHost === "true";
// What the members sheet calls the room's first person: an order's host (방장), or in a
// 나눔 1:1 room the post's author (글쓴이).
const hostLabel = root.dataset.hostLabel || "방장";
// Joining, leaving and bans belong to the group order: the native /api/groupbuys/ endpoints.
const orderId = Number(root.dataset.groupOrderId);
const scroller = root.querySelector("[data-scroll]");
const list = root.querySelector("[data-messages]");
const more = root.querySelector("[data-more]");
const statusEl = root.querySelector("[data-status]");
const form = root.querySelector("[data-composer]");
const input = form.querySelector("textarea");
const errorEl = form.querySelector("[data-error]");
const membersSheet = document.getElementById("chat-members");
const membersOpen = root.querySelector("[data-members-open]");
const membersList = root.querySelector("[data-members-list]");
const orderMeta = root.querySelector("[data-order-meta]");

const seen = new Set();
let lastId = 0;
let oldestId = null;
let hasMore = true;
let loadingOlder = false;
let socket = null;
let retry = 0;
let leaving = false;
// Why this page may not chat any more (a suspension closed the socket), or "": a send then
// says so instead of "연결 중이에요" (no reconnect is coming).
let refusedText = "";
let readTimer = null;
let readSent = 0;

const timeFormat = { hour: "2-digit", minute: "2-digit" };

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function setStatus(text) {
  statusEl.textContent = text;
}

function showError(text) {
  errorEl.textContent = text;
  errorEl.hidden = !text;
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

// A person's photo (the server sends its URL as user.avatar), or the first letter of their
// name. Decorative: the name is written beside it.
function avatar(person) {
  const box = document.createElement("span");
  box.className = "avatar-sm";
  box.setAttribute("aria-hidden", "true");
  if (person.avatar) {
    const img = document.createElement("img");
    img.src = person.avatar;
    img.alt = "";
    img.width = 36;
    img.height = 36;
    img.loading = "lazy";
    img.decoding = "async";
    // A photo that fails to load falls back to the letter.
    img.addEventListener("error", () => {
      box.classList.add("avatar-letter");
      box.replaceChildren(initial(person));
    });
    box.append(img);
  } else {
    box.classList.add("avatar-letter");
    box.textContent = initial(person);
  }
  return box;
}

function initial(person) {
  return [...(person.username || "?")][0] || "?";
}

function renderMessage(m) {
  const li = document.createElement("li");
  li.dataset.id = String(m.id);
  if (!m.user) {
    li.className = "msg msg-system";
    li.textContent = m.message;
    return li;
  }
  const mine = m.user.id === me;
  li.className = mine ? "msg msg-mine" : "msg msg-other";
  li.dataset.userId = String(m.user.id);
  const bubble = document.createElement("div");
  bubble.className = "msg-body";
  if (!mine) {
    li.append(avatar(m.user));
    // The name leads to the person's profile (photo, 동네인증, 매너 점수).
    const who = document.createElement("a");
    who.className = "msg-author";
    who.href = `/u/${m.user.id}/`;
    who.textContent = m.user.username;
    bubble.append(who);
    if (m.user.verified) {
      const badge = document.createElement("span");
      badge.className = "trust-verified";
      badge.title = "동네인증한 이웃이에요";
      badge.textContent = "인증";
      bubble.append(badge);
    }
    if (typeof m.user.manner_score === "number") {
      const score = document.createElement("span");
      score.className = "trust-score";
      score.textContent = `${m.user.manner_score.toFixed(1)}°`;
      score.setAttribute("aria-label", `매너 점수 ${m.user.manner_score.toFixed(1)}`);
      bubble.append(score);
    }
  }
  const body = document.createElement("p");
  body.className = m.hidden ? "msg-text msg-hidden" : "msg-text";
  body.textContent = m.message;
  const time = document.createElement("time");
  time.className = "msg-time";
  time.dateTime = m.created_at;
  time.textContent = new Date(m.created_at).toLocaleTimeString("ko-KR", timeFormat);
  bubble.append(body, time);
  if (m.hidden) li.classList.add("msg-hidden");
  if (!mine && !m.hidden) {
    // The message's one action: report it (a page with the form; the server decides).
    const report = document.createElement("a");
    report.className = "msg-report";
    report.href = `/reports/new/?message=${m.id}&next=${encodeURIComponent(location.pathname)}`;
    report.textContent = "신고";
    report.setAttribute("aria-label", `${m.user.username} 님의 메시지 신고하기`);
    bubble.append(report);
  }
  li.append(bubble);
  return li;
}

function nearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

function append(m) {
  if (seen.has(m.id)) return;
  seen.add(m.id);
  const stick = nearBottom() || (m.user && m.user.id === me);
  // Keep id order even if a live message overtakes a catch-up one.
  const later = [...list.children].find((li) => Number(li.dataset.id) > m.id);
  list.insertBefore(renderMessage(m), later || null);
  lastId = Math.max(lastId, m.id);
  if (oldestId === null) oldestId = m.id;
  if (stick) scroller.scrollTop = scroller.scrollHeight;
  scheduleRead();
}

function prependOlder(messages) {
  const before = scroller.scrollHeight;
  const frag = document.createDocumentFragment();
  for (const m of messages) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    frag.append(renderMessage(m));
  }
  list.prepend(frag);
  scroller.scrollTop += scroller.scrollHeight - before;
}

async function loadOlder() {
  if (loadingOlder || !hasMore) return;
  loadingOlder = true;
  more.hidden = false;
  try {
    const query = oldestId ? `?before=${oldestId}&limit=50` : "?limit=50";
    const response = await fetch(`/api/chats/${roomId}/messages/${query}`, { credentials: "same-origin" });
    if (response.status === 403 || response.status === 404) return leave("이 채팅방에 더 이상 참여하고 있지 않아요.");
    const data = await response.json();
    hasMore = data.has_more;
    if (data.messages.length) {
      if (oldestId === null) {
        for (const m of data.messages) append(m);
        scroller.scrollTop = scroller.scrollHeight;
      } else {
        prependOlder(data.messages);
      }
      oldestId = Math.min(oldestId ?? Infinity, data.messages[0].id);
    }
  } finally {
    loadingOlder = false;
    more.hidden = true;
  }
}

function scheduleRead() {
  if (document.visibilityState !== "visible" || !socket || socket.readyState !== WebSocket.OPEN) return;
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (socket && socket.readyState === WebSocket.OPEN && lastId > readSent) {
      socket.send(JSON.stringify({ type: "read", id: lastId }));
      readSent = lastId;
    }
  }, 300);
}

function leave(text) {
  if (leaving) return;
  leaving = true;
  if (socket) socket.close();
  setStatus(text);
  form.querySelector("button").disabled = true;
  input.disabled = true;
  setTimeout(() => { location.href = "/chats/"; }, 1500);
}

function connect() {
  if (leaving) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/chat/${roomId}/?after=${lastId}`);
  socket = ws;
  let opened = false;
  ws.addEventListener("open", () => {
    opened = true;
    retry = 0;
    setStatus("연결됨");
    root.dataset.connected = "true";
    scheduleRead();
  });
  ws.addEventListener("message", (event) => {
    let data;
    try { data = JSON.parse(event.data); } catch { return; }
    if (data.type === "error") {
      showError(data.message);
      return;
    }
    if (data.type === "chat.message_hidden") {
      // A moderator hid it: the server sends the placeholder text to show instead.
      const text = list.querySelector(`li[data-id="${Number(data.id)}"] .msg-text`);
      if (text) {
        text.textContent = data.text;
        text.classList.add("msg-hidden");
      }
      return;
    }
    if (!data.message) return;
    append(data.message);
    if (data.type === "chat.user.join" || data.type === "chat.user.leave") loadMembers();
    if (!data.message.user) refreshOrderMeta();
    if (data.type === "chat.user.leave" && data.user_id === me) leave("채팅방에서 나왔어요.");
  });
  ws.addEventListener("close", async (event) => {
    root.dataset.connected = "false";
    if (socket !== ws || leaving) return;
    if (event.code === 4040) return leave("채팅방이 삭제됐어요.");
    if (event.code === 4003) return leave("채팅방에서 나왔어요.");
    if (event.code === 4031) {
      // Suspended or banned: reconnecting would be refused until the sanction ends.
      leaving = true;
      refusedText = "이용이 제한된 계정이라 지금은 채팅할 수 없어요.";
      setStatus(refusedText);
      return;
    }
    if (event.code === 4001) {
      // The account logged out everywhere, changed its password or was deactivated.
      leaving = true;
      setStatus("로그인 정보가 바뀌었어요. 다시 로그인해 주세요.");
      setTimeout(() => { location.href = `/accounts/login/?next=${encodeURIComponent(location.pathname)}`; }, 1500);
      return;
    }
    if (!opened) {
      // Refused at the handshake: still a member?
      const check = await fetch(`/api/chats/${roomId}/members/`, { credentials: "same-origin" }).catch(() => null);
      if (check && (check.status === 403 || check.status === 404)) return leave("이 채팅방에 더 이상 참여하고 있지 않아요.");
    }
    // 4029: this account has too many sockets open; wait for one to close.
    const crowded = event.code === 4029;
    const wait = (crowded ? 30000 : Math.min(1000 * 2 ** retry, 15000)) + Math.random() * 400;
    retry += 1;
    setStatus(crowded
      ? `열린 채팅 창이 너무 많아요. 다른 창을 닫아 주세요. ${Math.round(wait / 1000)}초 뒤 다시 연결해요…`
      : `연결이 끊겼어요. ${Math.round(wait / 1000)}초 뒤 다시 연결해요…`);
    setTimeout(connect, wait);
  });
}

function send() {
  const text = input.value.trim();
  if (!text) return showError("메시지를 입력해 주세요.");
  if (text.length > 300) return showError("메시지는 300자까지 보낼 수 있어요.");
  if (refusedText) return showError(refusedText);
  if (!socket || socket.readyState !== WebSocket.OPEN) return showError("연결 중이에요. 잠시 후 다시 보내 주세요.");
  socket.send(JSON.stringify({ message: text }));
  input.value = "";
  showError("");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});

input.addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter is a new line; never while a Hangul syllable is being composed.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    send();
  }
});

scroller.addEventListener("scroll", () => {
  if (scroller.scrollTop < 60) loadOlder();
});

document.addEventListener("visibilitychange", scheduleRead);

// Leaving the page before the debounced read mark went out: send it anyway.
window.addEventListener("pagehide", () => {
  if (!lastId || lastId <= readSent || leaving) return;
  const body = new FormData();
  body.append("message_id", String(lastId));
  body.append("csrfmiddlewaretoken", csrfToken());
  navigator.sendBeacon(`/api/chats/${roomId}/read/`, body);
});

// --- members ---------------------------------------------------------------------------------

// The header's status and headcount, as the server now has them (after a system line:
// a status change, a join, a leave). The page never works them out itself.
let metaPending = null;
function refreshOrderMeta() {
  clearTimeout(metaPending);
  metaPending = setTimeout(async () => {
    const response = await fetch(`/chats/${roomId}/`, {
      credentials: "same-origin",
      headers: { "HX-Request": "true" },
    }).catch(() => null);
    if (!response || !response.ok) return;
    const doc = new DOMParser().parseFromString(`<div>${await response.text()}</div>`, "text/html");
    orderMeta.replaceChildren(...doc.body.firstChild.childNodes);
  }, 300);
}

async function loadMembers() {
  if (!membersSheet.open) return;
  const response = await fetch(`/api/chats/${roomId}/members/`, { credentials: "same-origin" });
  if (!response.ok) return;
  const { members } = await response.json();
  membersList.removeAttribute("aria-busy");
  membersList.replaceChildren(
    ...members.map((m) => {
      const li = document.createElement("li");
      li.className = "member";
      const name = document.createElement("span");
      name.className = "member-name";
      name.textContent = m.is_host ? `${m.username} (${hostLabel})` : m.username;
      li.append(avatar(m), name);
      if (isHost && m.id !== me) {
        const ban = document.createElement("button");
        ban.type = "button";
        ban.className = "btn btn-secondary";
        ban.textContent = "내보내기";
        ban.setAttribute("aria-label", `${m.username} 내보내기`);
        ban.addEventListener("click", () => banMember(m));
        li.append(ban);
      }
      return li;
    }),
  );
  const count = root.querySelector("[data-member-count]");
  if (count) count.textContent = String(members.length);
}

async function banMember(member) {
  if (!confirm(`${member.username} 님을 내보낼까요? 다시 참여할 수 없어요.`)) return;
  const response = await fetch(`/api/groupbuys/${orderId}/ban/`, {
    method: "POST",
    body: JSON.stringify({ user_id: member.id }),
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" },
  });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    alert(data?.errors ? Object.values(data.errors).flat().join("\n") : "내보내지 못했어요.");
  }
  loadMembers();
}

// The members sheet: a modal dialog (focus moves in and stays there, Esc closes it), closed
// by its button, Esc or a tap outside; focus then returns to the button that opened it.
membersOpen.addEventListener("click", () => {
  membersSheet.showModal();
  loadMembers();
});
membersSheet.querySelector("[data-members-close]").addEventListener("click", () => membersSheet.close());
membersSheet.addEventListener("click", (event) => {
  if (event.target === membersSheet) membersSheet.close();
});
membersSheet.addEventListener("close", () => membersOpen.focus());

root.querySelector("[data-leave]")?.addEventListener("click", async () => {
  if (!confirm("채팅방에서 나갈까요? 참여도 함께 취소돼요.")) return;
  const response = await fetch(`/api/groupbuys/${orderId}/leave/`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken() },
  });
  if (response.ok) leave("채팅방에서 나왔어요.");
  else {
    const data = await response.json().catch(() => null);
    alert(data?.errors ? Object.values(data.errors).flat().join("\n") : "나가지 못했어요.");
  }
});

await loadOlder();
connect();
