// The order page's summary, sticky bar and timeline stay current without polling: the page's
// socket (notifications.js, which sends this page's data-socket-follow frame on every
// connect) passes on "groupbuy.changed" for this order, and htmx re-reads the summary
// (#gb-summary listens for "gb-changed" on the body; the answer brings the rest out of band).
const page = document.querySelector("[data-order-id]");
const orderId = page ? Number(page.dataset.orderId) : null;
let follows = 0;

const refresh = () => document.body.dispatchEvent(new CustomEvent("gb-changed"));

if (orderId) {
  window.addEventListener("mb:groupbuy.changed", (event) => {
    if (event.detail && event.detail.id === orderId) refresh();
  });
  // Following again after a reconnect: whatever changed meanwhile was not heard, read it now.
  window.addEventListener("mb:groupbuy.following", (event) => {
    if (!event.detail || event.detail.id !== orderId) return;
    follows += 1;
    page.dataset.live = "on"; // the page is listening (the browser tests wait for it)
    if (follows > 1) refresh();
  });
  // The order was deleted meanwhile: load the page again (it says so).
  document.body.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 404 && event.detail.elt && event.detail.elt.id === "gb-summary") location.reload();
  });
}
