// Account pages (/account/, /account/orders/) and the order confirmation page.
import { call, clearCart, el, errorMessage, formatMoney } from "./lib.js";

const $ = (s) => document.querySelector(s);
const page = document.body.dataset.page;

function orderRow(o) {
  const when = o.createdAt ? new Date(o.createdAt) : null;
  return el("tr", { class: "order-row", "data-order-id": o.id, "data-testid": "order-row" },
    el("td", {}, el("a", { href: `/checkout/done/?order=${encodeURIComponent(o.id)}`, text: o.id })),
    el("td", { text: when && !isNaN(when) ? when.toLocaleDateString() : "" }),
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

async function done() {
  clearCart();
  const id = new URLSearchParams(location.search).get("order") || "";
  $("#order-id").textContent = id;
  if (!id) return;
  const r = await call(`/orders/${encodeURIComponent(id)}`);
  if (!r.ok || !r.data) return;
  const o = r.data;
  $("#order-status").textContent = o.status;
  $("#order-total").textContent = formatMoney(o.total);
  $("#order-lines").replaceChildren(...(o.lines || []).map((l) =>
    el("li", { class: "cart-line" }, el("span", { text: `${l.quantity} × ${l.name}` }), el("span", { class: "price", text: formatMoney(l.lineTotal) }))));
}

if (page === "account") {
  document.addEventListener("shop:me", (e) => {
    $("#account-email").textContent = e.detail.email || e.detail.username || "";
  });
}
if (page === "account" || page === "orders") orders(null);
if (page === "done") done();
