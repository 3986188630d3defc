// Account pages (/account/, /account/orders/) and the order confirmation page.
import { call, el, errorMessage, formatMoney } from "./lib.js";

const $ = (s) => document.querySelector(s);
const page = document.body.dataset.page;

/** The countries' names by code, from the shop's one list (`<meta name="countries">`). */
const COUNTRIES = JSON.parse(document.querySelector('meta[name="countries"]')?.content || "{}");

/** The shop's name, as the served title ends ("… · Edge Shop"). */
const SITE_NAME = document.title.split(" · ").pop();

/** The page's heading, and the tab's title with it: the title says what the page shows. */
function heading(text) {
  $("#status-heading").textContent = text;
  document.title = `${text} · ${SITE_NAME}`;
}

/** A date as "28 Nov 2026": the same in every browser's language (never 11/28/2026 for 28 November). */
const DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });

/** What an order holds, in a few words: "2 × Copper Mug", "2 × Copper Mug, 1 more", "2 × Copper Mug, 3 more". */
function bought(lines = []) {
  if (!lines.length) return "";
  const [first, ...rest] = lines;
  return `${first.quantity} × ${first.name}${rest.length ? `, ${rest.length} more` : ""}`;
}

function orderRow(o) {
  const when = o.createdAt ? new Date(o.createdAt) : null;
  return el("tr", { class: "order-row", "data-order-id": o.id, "data-testid": "order-row" },
    el("td", {}, el("a", { href: `/checkout/done/?order=${encodeURIComponent(o.id)}`, text: o.id })),
    el("td", { class: "order-items", "data-testid": "order-items", text: bought(o.lines) }),
    el("td", { "data-testid": "order-date", text: when && !isNaN(when) ? DATE.format(when) : "" }),
    el("td", { class: `status status-${o.status}`, "data-testid": "order-status", text: o.status }),
    el("td", { text: formatMoney(o.total) }));
}

async function orders(cursor) {
  const r = await call("/orders" + (cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""));
  const more = $("#orders-more");
  if (!r.ok) {
    const box = $("#orders-error");
    box.textContent = errorMessage(r.data, "Your orders could not be loaded. Please reload the page.");
    box.hidden = false;
    return;
  }
  const items = r.data.items || [];
  $("#orders-body").append(...items.map(orderRow));
  $("#orders-empty").hidden = !!(cursor || items.length);
  more.hidden = !r.data.next;
  more.onclick = () => orders(r.data.next);
}

const POLL_MS = 2000;
const POLL_FOR_MS = 5 * 60 * 1000;

function showOrder(o) {
  const v = o.statusView || {};
  heading(v.heading || "Your order");
  $("#status-message").textContent = v.message || "";
  const status = $("#order-status");
  status.textContent = o.status;
  status.className = `status status-${o.status}`;
  $("#order-meta").hidden = false;
  $("#order-lines").replaceChildren(...(o.lines || []).map((l) =>
    el("li", { class: "cart-line" }, el("span", { text: `${l.quantity} × ${l.name}` }), el("span", { class: "price", text: formatMoney(l.lineTotal) }))));
  $("#order-subtotal").textContent = formatMoney(o.subtotal);
  $("#order-shipping").textContent = o.shipping && o.shipping.amount === 0 ? "Free" : formatMoney(o.shipping);
  $("#order-total").textContent = formatMoney(o.total);
  $("#order-breakdown").hidden = false;
  const a = o.address;
  if (a) {
    const lines = [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`.trim(), COUNTRIES[a.country] || a.country];
    $("#order-address").replaceChildren(...lines.filter((x) => x && x.trim()).flatMap((x, i) => (i ? [el("br"), x] : [x])));
    $("#order-shipping-to").hidden = false;
  }
}

/** No order to show: one message (the page's "All your orders" link is below it). */
function notFound(message) {
  heading("Order not found");
  $("#status-message").textContent = message;
}

/** The order cannot be asked for now: why, and the way on (never "Loading…" for good). */
function cannotLoad(title, ...message) {
  heading(title);
  $("#status-message").replaceChildren(...message);
}

/** Tries in a row that may fail (5xx, network) before the page says so. */
const TRIES = 3;

/** The order status page: heading and message follow the status; while the
 * order is still `authorized` (payment held, stock being confirmed) it asks
 * again every few seconds. */
async function done() {
  // The cart is not touched here: checkout.js empties it before coming here
  // after paying, and every past order in /account/orders/ links to this page.
  const id = new URLSearchParams(location.search).get("order") || "";
  $("#order-id").textContent = id;
  if (!id) {
    notFound("This link does not name an order. Find yours under “All your orders”.");
    return;
  }
  const until = Date.now() + POLL_FOR_MS;
  let shown = false;
  let failures = 0;
  for (;;) {
    let r;
    try {
      r = await call(`/orders/${encodeURIComponent(id)}`);
    } catch {
      r = { ok: false, status: 0, data: null };
    }
    if (r.ok && r.data) {
      showOrder(r.data);
      shown = true;
      failures = 0;
      if (!(r.data.statusView && r.data.statusView.pending)) return;
    } else if (r.status === 404) {
      notFound(`There is no order ${id} in your account. Find yours under “All your orders”.`);
      return;
    } else if (r.status === 401) {
      const back = `/auth/signin?next=${encodeURIComponent(location.pathname + location.search)}`;
      cannotLoad("Please sign in again", "Your session has ended. ",
        el("a", { href: back, "data-testid": "sign-in-again", text: "Sign in" }), " to see this order.");
      return;
    } else if (!shown && ++failures >= TRIES) {
      cannotLoad("Order not loaded",
        "Your order could not be loaded just now. Please reload the page in a moment, or open it from “All your orders”.");
      return;
    }
    if (Date.now() > until) {
      if (!shown) cannotLoad("Order not loaded", "Your order could not be loaded just now. Please reload the page in a moment.");
      return;
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

if (page === "account") {
  document.addEventListener("shop:me", (e) => {
    $("#account-email").textContent = e.detail.email || e.detail.username || "";
  });
}
if (page === "account" || page === "orders") orders(null);
if (page === "done") done();
