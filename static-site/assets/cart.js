// The cart page: lines from localStorage, quantities, removal, live prices.
import { cartTotal, el, formatMoney, liveStock, onCartChange, readCart, removeFromCart, replaceCart, setQuantity } from "./lib.js";

const $ = (s) => document.querySelector(s);
const unavailable = new Set();

function draw() {
  const lines = readCart();
  const list = $("#cart-lines");
  $("#cart-empty").hidden = lines.length > 0;
  $("#go-checkout").hidden = lines.length === 0 || unavailable.size > 0;
  $("#cart-total").textContent = formatMoney(cartTotal(lines));
  list.replaceChildren(...lines.map((l) => {
    const id = `qty-${l.sku}`;
    const qty = el("input", {
      id, type: "number", min: "1", max: String(Math.max(1, l.stock ?? 99)), value: String(l.quantity),
      inputmode: "numeric", "data-testid": "line-quantity", "data-sku": l.sku,
    });
    qty.addEventListener("change", () => {
      const n = Math.floor(Number(qty.value));
      setQuantity(l.sku, Number.isFinite(n) ? Math.min(n, l.stock ?? 99) : l.quantity);
    });
    const remove = el("button", { type: "button", class: "remove-line", "data-testid": "remove-line", "aria-label": `Remove ${l.name}`, text: "Remove" });
    remove.addEventListener("click", () => removeFromCart(l.sku));
    return el("li", { class: "cart-line", "data-sku": l.sku, "data-testid": "cart-line" },
      l.image ? el("img", { src: l.image, alt: "", width: "64", height: "64" }) : null,
      el("a", { href: `/p/${encodeURIComponent(l.sku)}/`, text: l.name }),
      el("span", { class: "price", text: formatMoney(l.price) }),
      el("label", { for: id, class: "visually-hidden", text: `Quantity of ${l.name}` }), qty,
      unavailable.has(l.sku) ? el("strong", { class: "error", text: "No longer available: remove it to check out" }) : null,
      remove);
  }));
}

async function refresh() {
  const lines = readCart();
  const live = await liveStock(lines.map((l) => l.sku));
  const notes = [];
  unavailable.clear();
  for (const l of lines) {
    const item = live.get(l.sku);
    if (!item) continue;
    if (!item.available) unavailable.add(l.sku);
    l.price = item.price;
    l.stock = item.stock;
    if (item.available && l.quantity > item.stock) {
      notes.push(`Only ${item.stock} of ${l.name} left: quantity lowered.`);
      l.quantity = item.stock;
    }
  }
  $("#cart-notice").textContent = notes.join(" ");
  if (lines.length) replaceCart(lines); // live prices and capped quantities; redraws
  else draw();
}

onCartChange(draw);
draw();
refresh();
