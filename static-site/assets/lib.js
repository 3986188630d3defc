// Shared by every page: the cart in localStorage, money formatting, API calls.

const CART_KEY = "edge-shop.cart.v1";
const listeners = new Set();

export const api = document.body.dataset.api || "/api";

function isLine(l) {
  return l && typeof l.sku === "string" && Number.isInteger(l.quantity) && l.quantity > 0;
}

/** The cart's lines: [{sku, name, price:{amount,currency}, image, stock, quantity}]. */
export function readCart() {
  try {
    const v = JSON.parse(localStorage.getItem(CART_KEY) || "[]");
    return Array.isArray(v) ? v.filter(isLine) : [];
  } catch {
    return [];
  }
}

function writeCart(lines) {
  localStorage.setItem(CART_KEY, JSON.stringify(lines));
  listeners.forEach((fn) => fn(lines));
}

/**
 * Adds `quantity` of a product, never more than its known stock, and never a product
 * priced in another currency than the cart's (an order is paid in one currency).
 * Returns `{quantity}` (now in the cart) and `capped` when stock lowered it, or
 * `{refused: <the cart's currency>}` and adds nothing.
 */
export function addToCart(item, quantity) {
  const lines = readCart();
  const other = lines.find((l) => l.sku !== item.sku && l.price?.currency !== item.price.currency);
  if (other) return { refused: other.price.currency };
  const max = Number.isInteger(item.stock) ? item.stock : 99;
  let line = lines.find((l) => l.sku === item.sku);
  if (!line) {
    line = { ...item, quantity: 0 };
    lines.push(line);
  }
  // Added from its page, so it can be bought (`available` is the cart page's last live answer).
  Object.assign(line, { name: item.name, price: item.price, image: item.image, stock: item.stock, available: true });
  const wanted = line.quantity + quantity;
  line.quantity = Math.max(1, Math.min(wanted, max));
  writeCart(lines);
  return { quantity: line.quantity, capped: line.quantity < wanted };
}

/** Sets a line's quantity, at least 1 (a line leaves the cart only by removeFromCart). */
export function setQuantity(sku, quantity) {
  const lines = readCart();
  const line = lines.find((l) => l.sku === sku);
  if (!line) return;
  line.quantity = Math.max(1, Math.floor(quantity));
  writeCart(lines.filter(isLine));
}

export function removeFromCart(sku) {
  writeCart(readCart().filter((l) => l.sku !== sku));
}

/** Replaces the whole cart (after a live price/stock refresh). */
export function replaceCart(lines) {
  writeCart(lines.filter(isLine));
}

export function clearCart() {
  writeCart([]);
}

/**
 * sessionStorage: the order this tab just paid for, `{ id, at }` (checkout.js);
 * the empty checkout links to it for a few minutes. Signing out forgets it (app.js).
 */
export const LAST_ORDER = "edge-shop.last-order.v1";

/**
 * sessionStorage: the checkout attempt being paid (its Idempotency-Key and card
 * token, checkout.js), kept until the payment's outcome is known so that Pay
 * replays it. Signing out forgets it (app.js).
 */
export const CHECKOUT_ATTEMPT = "edge-shop.checkout.v1";

/**
 * The header's count: units of the lines that can be bought. A line the cart page last
 * found sold out or retired (`available: false`) is in the cart, said so there, not counted.
 */
export function cartCount(lines = readCart()) {
  return lines.reduce((n, l) => n + (l.available === false ? 0 : l.quantity), 0);
}

export function onCartChange(fn) {
  listeners.add(fn);
}

window.addEventListener("storage", (e) => {
  if (e.key === CART_KEY) listeners.forEach((fn) => fn(readCart()));
});

const SYMBOLS = { EUR: "€", USD: "$", GBP: "£", CHF: "CHF ", SEK: "SEK ", JPY: "¥" };
const ZERO_DECIMALS = new Set(["JPY"]);
const CURRENCY_NAMES = { EUR: "euros", USD: "US dollars", GBP: "pounds sterling", CHF: "Swiss francs", SEK: "Swedish kronor", JPY: "Japanese yen" };

/** A currency as a shopper says it: "euros", "pounds sterling". */
export const currencyName = (code) => CURRENCY_NAMES[code] ?? code;

/** Words as a sentence lists them: "a", "a and b", "a, b and c". */
export function listOf(words) {
  return words.length > 1 ? `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}` : words.join("");
}

/** Why a product priced in `currency` cannot join a cart in `cartCurrency`. */
export function otherCurrencyMessage(cartCurrency, currency) {
  return `Your cart is in ${currencyName(cartCurrency)} and this item is priced in ${currencyName(currency)}. ` +
    "An order is paid in one currency: please check out your cart first, then buy this item in a separate order.";
}

/** What a cart holding several currencies says instead of a total. */
export function mixedCurrencyMessage(currencies) {
  const list = listOf(currencies.map(currencyName));
  return `Your cart mixes ${list}. An order is paid in one currency: remove the items priced in one of them ` +
    "to check out, and buy those in a separate order.";
}

/** Digits after the point in a currency's amounts (shop::Currency's minor unit): 0 for JPY, else 2. */
export const minorDigits = (currency) => (ZERO_DECIMALS.has(currency) ? 0 : 2);

/** Formats like shop::Money's Display: "€19.99", "¥500", "CHF 12.50". */
export function formatMoney(m) {
  if (!m) return "";
  const exp = minorDigits(m.currency);
  const abs = Math.abs(m.amount);
  const div = 10 ** exp;
  const text = exp ? `${Math.floor(abs / div)}.${String(abs % div).padStart(exp, "0")}` : String(abs);
  return `${m.amount < 0 ? "-" : ""}${SYMBOLS[m.currency] ?? m.currency + " "}${text}`;
}

/**
 * The lines' sums, one per currency in the order they first appear (display only: the
 * server prices the order). Amounts in different currencies are never added together.
 */
export function cartTotals(lines) {
  const sums = new Map();
  for (const l of lines) sums.set(l.price.currency, (sums.get(l.price.currency) ?? 0) + l.price.amount * l.quantity);
  return [...sums].map(([currency, amount]) => ({ amount, currency }));
}

/** Calls the API; resolves to {ok, status, data} and never throws on HTTP errors. */
export async function call(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(api + path, init);
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  return { ok: res.ok, status: res.status, data };
}

/** The message of an API error body, or a fallback. */
export function errorMessage(data, fallback) {
  return (data && data.error && data.error.message) || fallback;
}

/** Builds an element; text goes through textContent, never innerHTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

/**
 * The "No photo" placeholder of a product without one (`.no-photo`, square like a photo):
 * its name's first letter or digit, upper-cased, as `view::initial` picks it for rendered
 * pages. Decorative, as a card's photo is (`alt=""`: the name is beside it).
 */
export function noPhoto(name) {
  const initial = [...String(name || "")].find((c) => /[\p{Alphabetic}\p{N}]/u.test(c)) || "";
  return el("span", { class: "no-photo", "data-testid": "no-photo", "aria-hidden": "true" },
    el("span", { class: "no-photo-initial", text: initial.toUpperCase() }),
    el("span", { class: "no-photo-label", text: "No photo" }));
}

/** At or below this many left, the badge says how many ("Only 2 left"). */
export const FEW_LEFT = 3;

/**
 * The badge for live availability (`/api/catalogue/stock`: stock − units held by
 * checkouts). Pages carry no stock: this is the only place the words are decided.
 */
export function badgeOf(item) {
  if (item.status === "retired") return ["retired", "No longer available"];
  if (item.stock <= 0) return ["sold-out", "Sold out"];
  if (item.stock <= FEW_LEFT) return ["few-left", `Only ${item.stock} left`];
  return ["in-stock", "In stock"];
}

/** Most SKUs one stock call may ask about (the API's MAX_SKUS). */
const STOCK_BATCH = 100;

/** Live stock and price for SKUs, 100 a call: Map sku -> item (empty for a failed call). */
export async function liveStock(skus) {
  const out = new Map();
  const unique = [...new Set(skus)];
  for (let i = 0; i < unique.length; i += STOCK_BATCH) {
    const q = unique.slice(i, i + STOCK_BATCH).map((s) => "sku=" + encodeURIComponent(s)).join("&");
    try {
      const r = await call("/catalogue/stock?" + q);
      if (r.ok && r.data && Array.isArray(r.data.items)) r.data.items.forEach((it) => out.set(it.sku, it));
    } catch {
      // Offline or API down: the caller decides what unknown availability means.
    }
  }
  return out;
}

/** A required text field holding only spaces: as empty as an empty one (the server trims). */
const onlySpaces = (f) => f.required && f.tagName !== "SELECT" && f.value !== "" && f.value.trim() === "";

function fieldMessage(f, form) {
  const label = (f.id && form.querySelector(`label[for="${f.id}"]`)?.textContent) || f.name;
  const name = label.replace(/\(optional\)/i, "").trim().toLowerCase();
  if (f.validity.valueMissing || onlySpaces(f)) return f.tagName === "SELECT" ? `Please choose a ${name}.` : `Please enter your ${name}.`;
  if (f.validity.tooLong) return `Your ${name} is too long (at most ${f.maxLength} characters).`;
  return f.validationMessage;
}

function markField(f, form) {
  // Constraint validation takes spaces for a value; the field's own validity says they are not.
  f.setCustomValidity?.(onlySpaces(f) ? "blank" : "");
  const id = `${f.id || f.name}-error`;
  const described = (f.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
  let msg = document.getElementById(id);
  if (f.checkValidity()) {
    f.removeAttribute("aria-invalid");
    msg?.remove();
  } else {
    if (!msg) {
      msg = el("span", { id, class: "field-error", "data-testid": "field-error" });
      f.after(msg);
    }
    msg.textContent = fieldMessage(f, form);
    f.setAttribute("aria-invalid", "true");
    described.push(id);
  }
  if (described.length) f.setAttribute("aria-describedby", described.join(" "));
  else f.removeAttribute("aria-describedby");
  return f.checkValidity();
}

/**
 * Field-level validation from the form's own constraints (required,
 * maxlength…): each invalid field is marked (aria-invalid, a message beside
 * it, linked by aria-describedby) and the first one focused; a mark goes as
 * soon as the field is fixed. True when every field is valid.
 */
export function validateFields(form) {
  if (!form.dataset.fieldValidation) {
    form.dataset.fieldValidation = "on";
    const recheck = (e) => {
      if (e.target.getAttribute?.("aria-invalid") === "true") markField(e.target, form);
    };
    form.addEventListener("input", recheck);
    form.addEventListener("change", recheck);
  }
  const invalid = [...form.elements].filter((f) => f.willValidate && !markField(f, form));
  invalid[0]?.focus();
  return invalid.length === 0;
}
