// Keeps "35분 남음" labels current without reloading (deadline from the datetime attribute).
const label = (deadline) => {
  const seconds = Math.floor((deadline - Date.now()) / 1000);
  if (seconds <= 0) return "마감 시각 지남";
  const minutes = Math.max(Math.floor(seconds / 60), 1);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours) return rest ? `${hours}시간 ${rest}분 남음` : `${hours}시간 남음`;
  return `${minutes}분 남음`;
};

const tick = () => {
  for (const el of document.querySelectorAll("[data-countdown]")) {
    const when = Date.parse(el.dataset.deadline || el.getAttribute("datetime"));
    if (!Number.isNaN(when)) el.textContent = label(when);
  }
};

setInterval(tick, 30_000);
document.addEventListener("htmx:afterSwap", tick);
