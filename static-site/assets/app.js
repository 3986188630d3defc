// Runs on every page: header (sign-in status, cart badge), product page,
// listings (filter, search, load more) and the live stock overlay.
import { addToCart, badgeOf, call, cartCount, el, formatMoney, liveStock, onCartChange } from "./lib.js";

const $ = (s, root = document) => root.querySelector(s);
const page = document.body.dataset.page;

function showCount() {
  const n = cartCount();
  const badge = $("#cart-count");
  if (badge) {
    badge.textContent = String(n);
    badge.setAttribute("aria-label", `${n} item${n === 1 ? "" : "s"} in cart`);
  }
}
showCount();
onCartChange(showCount);

async function signInStatus() {
  const box = $("#account-status");
  if (!box) return;
  try {
    const r = await call("/me");
    if (r.ok && r.data) {
      box.replaceChildren(
        el("span", { id: "account-email-header", text: r.data.email || r.data.username || "Signed in" }), " ",
        el("a", { href: "/account/", text: "Account" }), " ",
        el("a", { id: "sign-out", href: "/auth/signout", text: "Sign out" }),
      );
      document.body.dataset.signedIn = "true";
      document.dispatchEvent(new CustomEvent("shop:me", { detail: r.data }));
    }
  } catch {
    // Signed out or offline: keep the "Sign in" link.
  }
}
signInStatus();

/** Updates a card's or the product page's price and badge from live data. */
function overlay(root, item, priceSel, badgeSel) {
  const price = $(priceSel, root);
  if (price && item.price) price.textContent = formatMoney(item.price);
  const badge = $(badgeSel, root);
  if (badge) {
    const [cls, label] = badgeOf(item);
    badge.className = `badge badge-${cls}`;
    badge.textContent = label;
  }
}

async function overlayCards(cards) {
  const list = [...cards];
  if (!list.length) return;
  const live = await liveStock(list.map((c) => c.dataset.sku));
  for (const card of list) {
    const item = live.get(card.dataset.sku);
    if (item) overlay(card, item, "[data-price]", "[data-badge]");
  }
}

function card(item) {
  const url = `/p/${encodeURIComponent(item.sku)}/`;
  const [cls, label] = badgeOf(item);
  const link = el("a", { href: url },
    item.img ? el("img", { src: item.img, alt: "", width: "240", height: "240", loading: "lazy" }) : null,
    el("span", { class: "card-name", text: item.name }));
  return el("li", { class: "card", "data-sku": item.sku, "data-testid": "product-card" },
    link,
    el("span", { class: "price", "data-price": true, text: formatMoney(item.price) }), " ",
    el("span", { class: `badge badge-${cls}`, "data-badge": true, text: label }));
}

function productPage() {
  const product = $("#product");
  const form = $("#add-form");
  if (!product || !form) return;
  const d = product.dataset;
  const state = {
    sku: d.sku,
    name: d.name,
    price: { amount: Number(d.amount), currency: d.currency },
    image: d.image || null,
    stock: Number(d.stock),
    status: d.status,
  };
  const button = $("#add-to-cart");
  const qty = $("#quantity");
  const message = $("#cart-message");
  const apply = () => {
    const available = state.status === "active" && state.stock > 0;
    button.disabled = !available;
    qty.disabled = !available;
    qty.max = String(Math.max(1, state.stock));
    button.textContent = available ? "Add to cart" : badgeOf(state)[1];
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (button.disabled) return;
    const n = Math.max(1, Math.floor(Number(qty.value) || 1));
    const total = addToCart({ sku: state.sku, name: state.name, price: state.price, image: state.image, stock: state.stock }, n);
    message.textContent = `Added to cart (${total} in cart).`;
  });
  liveStock([state.sku]).then((live) => {
    const item = live.get(state.sku);
    if (!item) return;
    Object.assign(state, { stock: item.stock, status: item.status, price: item.price });
    product.dataset.liveStock = String(item.stock);
    overlay(document, item, "#price", "#stock-badge");
    apply();
  });
}

/** A list fed from a JSON file: filtering, text search and "load more". */
function listing({ list, source, pageSize, summary, more, sentinel, filters, prefilled }) {
  let all = null;
  let shown = prefilled;
  let matches = null;
  const load = async () => {
    if (!all) {
      const res = await fetch(source, { credentials: "same-origin" });
      all = res.ok ? (await res.json()).items : [];
    }
    return all;
  };
  const render = (reset) => {
    if (reset) {
      list.replaceChildren();
      shown = 0;
    }
    const next = matches.slice(shown, shown + pageSize);
    const cards = next.map(card);
    list.append(...cards);
    shown += next.length;
    if (more) more.hidden = shown >= matches.length;
    if (summary) summary.textContent = `${matches.length} product${matches.length === 1 ? "" : "s"}`;
    overlayCards(cards);
  };
  const refilter = async () => {
    const items = await load();
    matches = items.filter(filters());
    render(true);
  };
  const loadMore = async () => {
    if (!matches) matches = (await load()).filter(filters());
    if (shown < matches.length) render(false);
  };
  if (more) more.addEventListener("click", loadMore);
  if (sentinel && "IntersectionObserver" in window) {
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && more && !more.hidden) loadMore();
    }, { rootMargin: "400px" }).observe(sentinel);
  }
  return { refilter };
}

function categoryPage() {
  const list = $("#product-list");
  if (!list) return;
  const form = $("#filter-form");
  const num = (sel) => {
    const v = $(sel).value.trim();
    return v === "" ? null : Math.round(Number(v) * 100);
  };
  const filters = () => {
    const q = $("#filter-q").value.trim().toLowerCase();
    const min = num("#filter-min");
    const max = num("#filter-max");
    const inStock = $("#filter-instock").checked;
    return (it) =>
      (!q || it.name.toLowerCase().includes(q) || it.sku.toLowerCase().includes(q)) &&
      (min == null || it.price.amount >= min) &&
      (max == null || it.price.amount <= max) &&
      (!inStock || (it.status === "active" && it.stock > 0));
  };
  const l = listing({
    list,
    source: list.dataset.source,
    pageSize: Number(list.dataset.pageSize) || 24,
    summary: $("#list-summary"),
    more: $("#load-more"),
    sentinel: $("#list-end"),
    filters,
    prefilled: list.children.length,
  });
  let timer;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(l.refilter, 150);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    l.refilter();
  });
}

function homeSearch() {
  const q = new URLSearchParams(location.search).get("q");
  if (!q || !q.trim()) return;
  const input = $("#search-q");
  if (input) input.value = q;
  const section = $("#search-section");
  section.hidden = false;
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const l = listing({
    list: $("#search-results"),
    source: "/data/search.json",
    pageSize: 24,
    summary: $("#search-summary"),
    more: $("#search-more"),
    sentinel: null,
    filters: () => (it) => words.every((w) => it.name.toLowerCase().includes(w) || it.sku.toLowerCase().includes(w)),
    prefilled: 0,
  });
  l.refilter().then(() => $("#search-title").focus?.());
}

if (page === "product") productPage();
if (page === "category") categoryPage();
if (page === "home") homeSearch();
if (page === "home" || page === "category") overlayCards(document.querySelectorAll("#featured .card, #product-list .card"));
