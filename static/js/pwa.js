// Register the service worker so the app is installable and shows a page when offline.
if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  });
}

// Buttons that reload the page (the offline page's "다시 시도"); no inline handlers under the CSP.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-reload]")) location.reload();
});
