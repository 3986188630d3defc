// The cart page: lines from localStorage, quantities, removal, live prices.
// Totals are per currency and count only what can be bought: an amount in
// one currency is never added to one in another, and a line no longer for
// sale is shown but not counted. Lines are updated in place, not redrawn, so
// keyboard focus stays where the shopper put it (a quantity box keeps its arrow
// keys; Tab after typing goes on to Remove), and Remove hands focus on.
import {
  badgeOf, cartTotals, currencyName, el, formatMoney, listOf, liveStock, mixedCurrencyMessage, noPhoto, onCartChange, readCart,
  removeFromCart, replaceCart, setQuantity,
} from "./lib.js";

const $ = (s) => document.querySelector(s);
/**
 * SKUs the live stock says cannot be bought now -> why, in the words the product
 * page's badge uses (`badgeOf`): "Sold out" (none left), "No longer available" (retired).
 */
const unavailable = new Map();
/** sku -> why its quantity is not what was typed, shown beside the line. */
const notices = new Map();

/** Tells the shopper, beside the line and to screen readers, why a quantity changed. */
function notice(line, text) {
  notices.set(line.sku, text);
  $("#cart-notice").textContent = `${line.name}: ${text}`;
}

/** The quantity typed into a line, kept within 1 and the stock left; removal is the Remove button's. */
function typed(line, input) {
  notices.delete(line.sku);
  const n = Math.floor(Number(input.value));
  if (input.value.trim() === "" || !Number.isFinite(n)) {
    input.value = String(line.quantity);
    return;
  }
  const left = Number.isInteger(line.stock) ? Math.max(1, line.stock) : 99;
  if (n < 1) notice(line, "The quantity is at least 1: press Remove to take it out of your cart.");
  else if (n > left) notice(line, `Only ${left} left: quantity set to ${left}.`);
  setQuantity(line.sku, Math.min(Math.max(n, 1), left)); // redraws
}

/** sku -> the line's row on the page, kept across redraws: `{ li, line, qty, price, notice, unavailable }`. */
const rows = new Map();

/** A line's row, made once: its controls read the line it shows now (`row.line`). */
function newRow(l) {
  const id = `qty-${l.sku}`;
  const row = { line: l };
  row.qty = el("input", {
    id, type: "number", min: "1", inputmode: "numeric", "data-testid": "line-quantity", "data-sku": l.sku, "data-control": "quantity",
  });
  row.qty.addEventListener("change", () => typed(row.line, row.qty));
  const remove = el("button", {
    type: "button", class: "remove-line", "data-testid": "remove-line", "aria-label": `Remove ${l.name}`, "data-control": "remove", text: "Remove",
  });
  remove.addEventListener("click", () => {
    notices.delete(row.line.sku);
    removeFromCart(row.line.sku);
  });
  row.price = el("span", { class: "price" });
  row.notice = el("span", { class: "line-notice", "data-testid": "line-notice" });
  row.unavailable = el("strong", { class: "error", "data-testid": "line-unavailable" });
  row.li = el("li", { class: "cart-line", "data-sku": l.sku, "data-testid": "cart-line" },
    thumbnail(l),
    el("a", { href: `/p/${encodeURIComponent(l.sku)}/`, text: l.name, "data-control": "name" }),
    row.price,
    el("label", { for: id, class: "visually-hidden", text: `Quantity of ${l.name}` }), row.qty,
    remove);
  return row;
}

/** Shows `node` after `anchor` when `on`, else takes it out (never moving the focused control). */
function toggle(node, on, anchor) {
  if (on && !node.isConnected) anchor.after(node);
  if (!on) node.remove();
}

/** The line's row, made or brought up to date with `l` (price, quantity, notice, availability). */
function lineItem(l) {
  const row = rows.get(l.sku) ?? newRow(l);
  rows.set(l.sku, row);
  row.line = l;
  row.price.textContent = formatMoney(l.price);
  row.qty.max = String(Math.max(1, l.stock ?? 99));
  if (row.qty.value !== String(l.quantity)) row.qty.value = String(l.quantity);
  row.notice.textContent = notices.get(l.sku) ?? "";
  toggle(row.notice, notices.has(l.sku), row.qty);
  row.unavailable.textContent = unavailable.has(l.sku) ? `${unavailable.get(l.sku)}: remove it to check out` : "";
  toggle(row.unavailable, unavailable.has(l.sku), notices.has(l.sku) ? row.notice : row.qty);
  return row.li;
}

/**
 * Puts the lines' rows in the list in order, moving only rows out of place,
 * so that the focused control stays in the page. When the focused control's
 * line went (Remove), focus goes to the same control of the next line, else the
 * line before, else the cart's heading: never back to the top of the page.
 */
function placeLines(lines) {
  const list = $("#cart-lines");
  const active = document.activeElement;
  const gone = active && list.contains(active) && !lines.some((l) => rows.get(l.sku)?.li.contains(active))
    ? { control: active.dataset.control, before: [...list.children].indexOf(active.closest("li")) }
    : null;
  const keep = new Set(lines.map((l) => l.sku));
  for (const [sku, row] of rows) {
    if (!keep.has(sku)) {
      row.li.remove();
      rows.delete(sku);
    }
  }
  lines.forEach((l, i) => {
    const li = lineItem(l);
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
  });
  if (!gone) return;
  const next = list.children[Math.min(gone.before, list.children.length - 1)];
  const target = next?.querySelector(`[data-control="${gone.control}"]`) ?? next?.querySelector('[data-control="remove"]');
  (target ?? $("#cart-heading")).focus();
}

const names = (lines) => listOf(lines.map((l) => l.name));

/** Items by `key(item)`, in the order keys first appear. */
function groupBy(items, key) {
  const out = new Map();
  for (const it of items) out.set(key(it), [...(out.get(key(it)) ?? []), it]);
  return out;
}

/** A line's photo, or the small placeholder (its initial) when the product has none. */
function thumbnail(l) {
  if (l.image) return el("img", { src: l.image, alt: "", width: "64", height: "64" });
  const placeholder = noPhoto(l.name);
  placeholder.classList.add("no-photo-small");
  return placeholder;
}

function draw() {
  const lines = readCart();
  const out = lines.filter((l) => unavailable.has(l.sku));
  const buyable = lines.filter((l) => !unavailable.has(l.sku));
  const currencies = [...new Set(lines.map((l) => l.price.currency))];
  const mixed = currencies.length > 1;
  const totals = cartTotals(buyable);

  $("#cart-empty").hidden = lines.length > 0;
  $("#cart-summary").hidden = lines.length === 0;
  // One currency: one total. Several: a sum per currency and why the cart cannot be paid as it is.
  $("#cart-total-line").hidden = mixed || totals.length !== 1;
  $("#cart-total").textContent = !mixed && totals.length === 1 ? formatMoney(totals[0]) : "";
  $("#cart-totals").hidden = !mixed;
  $("#cart-totals").replaceChildren(...(mixed ? totals : []).map((t) =>
    el("li", { "data-testid": "cart-currency-total" }, `Items in ${currencyName(t.currency)}: `, el("strong", { text: formatMoney(t) }))));
  $("#cart-mixed").hidden = !mixed;
  $("#cart-mixed").textContent = mixed ? mixedCurrencyMessage(currencies) : "";
  $("#cart-excluded").hidden = out.length === 0;
  // One sentence per reason: "A is not counted in the total: sold out."
  const why = groupBy(out, (l) => unavailable.get(l.sku));
  $("#cart-excluded").textContent = [...why].map(([reason, ls]) =>
    `${names(ls)} ${ls.length === 1 ? "is" : "are"} not counted in the total: ${reason.toLowerCase()}.`).join(" ");
  $("#go-checkout").hidden = lines.length === 0 || out.length > 0 || mixed;
  placeLines(lines);
}

async function refresh() {
  const lines = readCart();
  const live = await liveStock(lines.map((l) => l.sku));
  unavailable.clear();
  for (const l of lines) {
    const item = live.get(l.sku);
    if (!item) continue;
    if (!item.available) unavailable.set(l.sku, badgeOf(item)[1]);
    l.price = item.price;
    l.stock = item.stock;
    // Known to the header's count on every page (lib.js cartCount): only what can be bought.
    l.available = item.available;
    if (item.available && l.quantity > item.stock) {
      notice(l, `Only ${item.stock} left: quantity set to ${item.stock}.`);
      l.quantity = item.stock;
    }
  }
  if (lines.length) replaceCart(lines); // live prices and capped quantities; redraws
  else draw();
}

onCartChange(draw);
draw();
refresh();
