// Runs on every page: header (sign-in status, cart badge), product page,
// listings (filter, search, load more) and the live stock overlay.
import { CHECKOUT_ATTEMPT, LAST_ORDER, addToCart, badgeOf, call, cartCount, el, formatMoney, liveStock, noPhoto, onCartChange, otherCurrencyMessage } from "./lib.js";

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

/** The edge sets this non-HttpOnly hint (no token in it) with the token cookies and clears it with them. */
function signedInHint() {
  return document.cookie.split(";").some((c) => c.trim() === "es_signed_in=1");
}

/** "Sign in" and "Create account" come back to this page afterwards (the edge's `?next=`). */
function comeBackHere() {
  const here = location.pathname + location.search;
  if (here === "/") return;
  const next = `?next=${encodeURIComponent(here)}`;
  const signIn = $("#sign-in");
  if (signIn) signIn.href = `/auth/signin${next}`;
  const create = $("#create-account");
  if (create) create.href = `/auth/signup${next}`;
}
comeBackHere();

async function signInStatus() {
  const box = $("#account-status");
  // Pages under the edge's sign-in rules are only served to someone signed in;
  // elsewhere, without the hint there is nobody to ask about (/api/me would answer 401).
  const protectedPage = location.pathname.startsWith("/account/") || location.pathname.startsWith("/checkout/") ||
    location.pathname.startsWith("/admin/");
  if (!box || !(signedInHint() || protectedPage)) return;
  try {
    const r = await call("/me");
    if (r.ok && r.data) {
      box.replaceChildren(
        el("span", { id: "account-email-header", title: r.data.email || r.data.username || "", text: r.data.email || r.data.username || "Signed in" }), " ",
        el("a", { href: "/account/", text: "Account" }),
      );
      backOfficeLink(box, r.data);
      // Sign-out is a same-origin POST (it revokes the session): the header's form.
      const signOut = $("#sign-out-form");
      if (signOut) signOut.hidden = false;
      document.body.dataset.signedIn = "true";
      document.body.dataset.sub = r.data.sub || "";
      document.dispatchEvent(new CustomEvent("shop:me", { detail: r.data }));
    }
  } catch {
    // Signed out or offline: keep the "Sign in" link.
  }
}
signInStatus();

/**
 * The owner's way into the back office, beside "Account": shown when /admin/ opens for this
 * session. The edge's rule for /admin/* decides (the stack's admin group lives there, not
 * here); only someone in a group is asked about, so a shopper costs no request.
 */
async function backOfficeLink(box, me) {
  if (!me.groups?.length || location.pathname.startsWith("/admin/")) return;
  try {
    const r = await fetch("/admin/", { method: "HEAD", credentials: "same-origin", redirect: "manual" });
    if (r.ok) box.append(" ", el("a", { href: "/admin/", id: "back-office-link", text: "Back office" }));
  } catch {
    // Offline: no link.
  }
}

// Back and Forward may restore a page from the browser's memory as it was shown (the
// back/forward cache): a page that showed one session must not come back under another, or
// under none: after signing out, or after someone else signed in in this tab. Reloading asks
// the edge again, which shows the page as it is now. (Signed-in pages are also sent
// `Cache-Control: no-store`.) A page that showed nobody, restored while nobody is signed in,
// costs nothing.
window.addEventListener("pageshow", async (e) => {
  if (!e.persisted) return;
  const shown = document.body.dataset.sub || "";
  let now = "";
  if (signedInHint()) {
    try {
      const r = await call("/me");
      now = r.ok && r.data ? r.data.sub || "" : "";
    } catch {
      return; // offline: nothing to compare with
    }
  }
  if (now !== shown) location.reload();
});

// Signing out (the header's form or the account page's) forgets the order this
// tab just placed and any unfinished payment attempt (its card token): the next
// person in this tab is not told about the one and cannot pay with the other.
document.addEventListener("submit", (e) => {
  if (e.target instanceof HTMLFormElement && new URL(e.target.action, location.href).pathname === "/auth/signout") {
    sessionStorage.removeItem(LAST_ORDER);
    sessionStorage.removeItem(CHECKOUT_ATTEMPT);
  }
});

/** Live availability already asked for on this page view: sku -> item from the stock API. */
const known = new Map();

/** The live items of `skus`, asking the API only for those not yet known. */
async function live(skus) {
  const missing = [...new Set(skus)].filter((s) => !known.has(s));
  if (missing.length) (await liveStock(missing)).forEach((item, sku) => known.set(sku, item));
  return known;
}

/**
 * Fills a badge from live data. Pages are rendered without stock (the badge is empty and
 * reserves its line, so nothing moves when the words arrive).
 */
function showBadge(badge, item) {
  if (!badge) return;
  const [cls, label] = badgeOf(item);
  badge.className = `badge badge-${cls}`;
  badge.textContent = label;
}

/** Updates a card's or the product page's price and badge from live data. */
function overlay(root, item, priceSel, badgeSel) {
  const price = $(priceSel, root);
  if (price && item.price) price.textContent = formatMoney(item.price);
  showBadge($(badgeSel, root), item);
}

async function overlayCards(cards) {
  const list = [...cards];
  if (!list.length) return;
  const items = await live(list.map((c) => c.dataset.sku));
  for (const card of list) {
    const item = items.get(card.dataset.sku);
    if (item) overlay(card, item, "[data-price]", "[data-badge]");
  }
}

function card(item) {
  const url = `/p/${encodeURIComponent(item.sku)}/`;
  const link = el("a", { href: url },
    item.img ? el("img", { src: item.img, alt: "", width: "240", height: "240", loading: "lazy" }) : noPhoto(item.name),
    el("span", { class: "card-name", text: item.name }));
  const badge = el("span", { class: "badge badge-pending", "data-badge": true });
  const liveItem = known.get(item.sku);
  if (liveItem) showBadge(badge, liveItem);
  return el("li", { class: "card", "data-sku": item.sku, "data-testid": "product-card" },
    link,
    el("span", { class: "price", "data-price": true, text: formatMoney(liveItem?.price ?? item.price) }),
    el("span", { class: "availability" }, badge));
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
    stock: null, // unknown until the live overlay answers: the page carries none
    status: d.status,
  };
  const button = $("#add-to-cart");
  const qty = $("#quantity");
  const message = $("#cart-message");
  // Rendered disabled. Live stock decides; when the stock API cannot be reached, an active
  // product can still go in the cart (no claim is shown; the cart and checkout ask again).
  const apply = () => {
    const counted = Number.isInteger(state.stock);
    const available = state.status === "active" && (!counted || state.stock > 0);
    button.disabled = !available;
    qty.disabled = !available;
    if (counted) qty.max = String(Math.max(1, state.stock));
    else qty.removeAttribute("max");
    button.textContent = available ? "Add to cart" : badgeOf(state)[1];
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (button.disabled) return;
    const n = Math.max(1, Math.floor(Number(qty.value) || 1));
    const added = addToCart({ sku: state.sku, name: state.name, price: state.price, image: state.image, stock: state.stock }, n);
    message.classList.toggle("error", !!added.refused);
    if (added.refused) message.textContent = otherCurrencyMessage(added.refused, state.price.currency);
    else if (added.capped) {
      // Capped by the stock when it is known, else by the most one line may hold.
      message.textContent = Number.isInteger(state.stock)
        ? `Only ${state.stock} left: ${added.quantity} in your cart.`
        : `At most ${added.quantity} of one item per order: ${added.quantity} in your cart.`;
    }
    else message.textContent = `Added to cart (${added.quantity} in cart).`;
  });
  if (state.status !== "active") return;
  live([state.sku]).then((items) => {
    const item = items.get(state.sku);
    if (item) {
      Object.assign(state, { stock: item.stock, status: item.status, price: item.price });
      overlay(document, item, "#price", "#stock-badge");
    }
    apply();
  });
}

const collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true, sensitivity: "base" });
const byName = (a, b) => collator.compare(a.name, b.name) || collator.compare(a.sku, b.sku);

/** The listing orders, by the `sort` value in the URL. "newest": SKUs are issued in sequence. */
const SORTS = {
  name: byName,
  "price-asc": (a, b) => a.price.amount - b.price.amount || byName(a, b),
  "price-desc": (a, b) => b.price.amount - a.price.amount || byName(a, b),
  newest: (a, b) => collator.compare(b.sku, a.sku),
};
const DEFAULT_SORT = "name";

const fold = (text) => String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

/** True when every word of the query is in the item's name, SKU, category or description. */
function matchesWords(words) {
  return (it) => {
    if (!words.length) return true;
    const text = fold(`${it.name} ${it.sku} ${String(it.cat || "").replace(/-/g, " ")} ${it.desc || ""}`);
    return words.every((w) => text.includes(w));
  };
}

const wordsOf = (q) => fold(q).split(/\s+/).filter(Boolean);

const countOf = (n) => `${n} product${n === 1 ? "" : "s"}`;

/**
 * A list fed from a JSON file: filtering, text search, sorting and "load more".
 * `describe(n)` is the summary's text for `n` matches.
 */
function listing({ list, source, pageSize, summary, more, sentinel, filters, inStockOnly = () => false, sort, prefilled, describe = countOf }) {
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
    if (summary) summary.textContent = describe(matches.length);
    overlayCards(cards);
  };
  // Retired products leave listings and search results (their page stays, marked unavailable).
  // "In stock only" asks the live API about the remaining candidates (the JSON has no stock;
  // an item whose availability is unknown is not claimed to be in stock).
  const select = async (items) => {
    let chosen = items.filter((it) => it.status !== "retired").filter(filters());
    if (inStockOnly()) {
      const avail = await live(chosen.map((it) => it.sku));
      chosen = chosen.filter((it) => avail.get(it.sku)?.available === true);
    }
    return chosen.sort(SORTS[sort()] || SORTS[DEFAULT_SORT]);
  };
  const refilter = async () => {
    matches = await select(await load());
    render(true);
  };
  const loadMore = async () => {
    if (!matches) matches = await select(await load());
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

/**
 * Filters and sort live in the URL query (`?q=&min=&max=&instock=1&sort=`): a
 * reload or a shared link shows the same list, and each committed change is a
 * history entry that back/forward return to.
 */
function urlState(form, onChange) {
  const fields = [...form.elements].filter((f) => f.name);
  const read = () => {
    const params = new URLSearchParams(location.search);
    for (const f of fields) {
      const v = params.get(f.name);
      if (f.type === "checkbox") f.checked = v === f.value;
      else if (f.tagName === "SELECT") f.value = [...f.options].some((o) => o.value === v) ? v : f.options[0].value;
      else f.value = v ?? "";
    }
  };
  const write = (push) => {
    const params = new URLSearchParams(location.search);
    for (const f of fields) {
      const v = f.type === "checkbox" ? (f.checked ? f.value : "") : f.value.trim();
      const isDefault = v === "" || (f.tagName === "SELECT" && v === f.options[0].value);
      if (isDefault) params.delete(f.name);
      else params.set(f.name, v);
    }
    const query = params.toString();
    const url = `${location.pathname}${query ? "?" + query : ""}${location.hash}`;
    if (url === `${location.pathname}${location.search}${location.hash}`) return;
    history[push ? "pushState" : "replaceState"](null, "", url);
  };
  let timer;
  // Typing updates the list (and the current entry); a committed change is a new entry.
  form.addEventListener("input", (e) => {
    if (e.target.type === "checkbox" || e.target.tagName === "SELECT") return;
    clearTimeout(timer);
    timer = setTimeout(() => { write(false); onChange(); }, 150);
  });
  form.addEventListener("change", () => {
    clearTimeout(timer);
    write(true);
    onChange();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(timer);
    write(true);
    onChange();
  });
  window.addEventListener("popstate", () => {
    read();
    onChange();
  });
  read();
  // Anything in the URL beyond the defaults: the prebuilt first page is not what it asks for.
  return fields.some((f) => new URLSearchParams(location.search).has(f.name));
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
    const match = matchesWords(wordsOf($("#filter-q").value));
    const min = num("#filter-min");
    const max = num("#filter-max");
    return (it) =>
      match(it) &&
      (min == null || it.price.amount >= min) &&
      (max == null || it.price.amount <= max);
  };
  const l = listing({
    list,
    source: list.dataset.source,
    pageSize: Number(list.dataset.pageSize) || 24,
    summary: $("#list-summary"),
    more: $("#load-more"),
    sentinel: $("#list-end"),
    filters,
    inStockOnly: () => $("#filter-instock").checked,
    sort: () => $("#sort").value,
    prefilled: list.children.length,
    // A minimum above the maximum matches nothing: say why (not "0 products") and offer to clear them.
    describe: (n) => {
      const min = num("#filter-min");
      const max = num("#filter-max");
      const crossed = min != null && max != null && min > max;
      $("#filter-crossed").hidden = !crossed;
      return crossed ? "The minimum price is above the maximum price, so no product can match." : countOf(n);
    },
  });
  $("#filter-reset").addEventListener("click", () => {
    $("#filter-min").value = "";
    $("#filter-max").value = "";
    $("#filter-min").focus();
    form.dispatchEvent(new Event("change"));
  });
  if (urlState(form, l.refilter)) l.refilter();
}

/**
 * The home page with `?q=`: only the results (the intro, categories and featured
 * products step aside), under "Results for “q”"; no match says so and links back.
 */
function homeSearch() {
  const q = new URLSearchParams(location.search).get("q");
  if (!q || !q.trim()) return;
  const input = $("#search-q");
  if (input) input.value = q;
  const query = q.trim();
  const section = $("#search-section");
  section.hidden = false;
  $("#home-content").hidden = true;
  $("#search-title").textContent = `Results for “${query}”`;
  document.title = `Results for “${query}” · ${document.title.split(" · ").pop()}`;
  const l = listing({
    list: $("#search-results"),
    source: "/data/search.json",
    pageSize: 24,
    summary: $("#search-summary"),
    more: $("#search-more"),
    sentinel: null,
    filters: () => matchesWords(wordsOf(new URLSearchParams(location.search).get("q") || "")),
    sort: () => $("#sort").value,
    prefilled: 0,
    describe: (n) => {
      $("#search-none").hidden = n > 0;
      $("#search-form").hidden = n === 0;
      return n ? countOf(n) : `No products match “${query}”.`;
    },
  });
  urlState($("#search-form"), l.refilter);
  l.refilter().then(() => $("#search-title").focus?.());
}

if (page === "product") productPage();
if (page === "category") categoryPage();
if (page === "home") homeSearch();
if (page === "home" || page === "category") overlayCards(document.querySelectorAll("#home-content:not([hidden]) #featured .card, #product-list .card"));
