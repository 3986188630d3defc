// The owner's back office (/admin/…): data from /api/admin, no framework.
// Every failure is shown in #admin-error with the API's own message.
import { call, el, errorMessage, formatMoney, minorDigits } from "./lib.js";

const $ = (s) => document.querySelector(s);
const page = document.body.dataset.page;

/**
 * The order effects' stored names, from Rust (shop::Effect::as_str): static-site's admin.rs
 * renders them into the page (`<meta name="order-effects">`), so none is spelled here.
 * E.g. EFFECT.captureFailed (capture:failed), EFFECT.email.shipped, EFFECT.emailRejected.shipped.
 */
const EFFECT = JSON.parse(document.querySelector('meta[name="order-effects"]')?.content || "{}");

/**
 * The audit actions whose target the back office has a page for, as functions/src/admin
 * records them (orders.rs, products.rs, images.rs): Rust has no constant for them yet, so they
 * are listed once here, and static-site/tests/admin_names.rs checks this block against those
 * files both ways (a name not recorded there, or an order/product/stock action missing here).
 */
const AUDIT_ACTIONS = {
  order: ["order.ship", "order.refund", "order.capture"],
  product: ["product.create", "product.update", "product.retire", "product.restore", "product.image_add",
    "stock.set", "stock.adjust"],
};

/** An order id as the shop makes them (a ULID: functions/src/shopper/checkout.rs, `Ulid::new()`). */
const ORDER_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function showError(r, fallback) {
  const box = $("#admin-error");
  box.textContent = r && r.status === 403
    ? "This area is for the shop's staff. Ask an admin for access."
    : errorMessage(r && r.data, fallback);
  box.hidden = false;
  $("#admin-status").textContent = "";
  // On a long form the owner is at its Save button, far below the message: bring it into view.
  box.scrollIntoView({ block: "nearest" });
}

function clearError() {
  $("#admin-error").hidden = true;
}

function say(text) {
  $("#admin-error").hidden = true;
  $("#admin-status").textContent = text;
}

const enc = encodeURIComponent;

/** An email as cell content that may wrap only after its "@" (site.css `td.wrap`). */
function wrappableEmail(email) {
  const at = (email || "").lastIndexOf("@");
  return at < 0 ? [email || ""] : [email.slice(0, at + 1), el("wbr"), email.slice(at + 1)];
}

/**
 * Names each cell of `row` after its column's header (`data-label`): at phone width the
 * tables stack each row as "label value" lines (site.css), so no page is wider than the screen.
 */
function labelled(table, row) {
  const heads = [...$(table).tHead.rows[0].cells].map((th) => th.textContent.trim());
  [...row.cells].forEach((td, i) => { if (heads[i]) td.dataset.label = heads[i]; });
  return row;
}

// ---- products table -------------------------------------------------------
/**
 * A stock count as typed in a box: `{ value }`, or `{ error }` in the owner's words. An empty
 * box is no count (Number("") is 0: saving it once set the stock to 0).
 */
function stockCount(text) {
  const t = String(text).trim();
  if (!/^\d+$/.test(t)) return { error: "Stock must be a whole number, 0 or more." };
  if (Number(t) > MAX_STOCK) return { error: `Stock must be at most ${MAX_STOCK.toLocaleString("en")}.` };
  return { value: Number(t) };
}

/** Prices from here on (in whole units of the currency) are refused by the page. */
const MAX_PRICE_UNITS = 1e12;

/** The most units a product's stock holds (shop::Product::stock is a u32). */
const MAX_STOCK = 4294967295;

function productRow(p) {
  const stock = el("input", { type: "number", min: "0", value: String(p.stock), class: "stock-input",
    "data-testid": "stock-input", "aria-label": `Stock of ${p.sku}` });
  const save = el("button", { type: "button", class: "stock-save", "data-testid": "stock-save", text: "Save stock" });
  const row = el("tr", { class: "admin-product", "data-sku": p.sku, "data-testid": "admin-product" },
    el("td", { text: p.sku }),
    el("td", {}, el("a", { href: `/admin/products/edit/?sku=${enc(p.sku)}`, text: p.name })),
    el("td", { "data-testid": "product-price", text: formatMoney(p.price) }),
    el("td", { class: `status status-${p.status}`, "data-testid": "product-status", text: p.status }),
    el("td", {}, stock, " ", save));
  const toggle = el("button", { type: "button", class: "toggle-status", "data-testid": "toggle-status",
    text: p.status === "retired" ? "Restore" : "Retire" });
  row.append(el("td", {}, toggle));
  labelled("#admin-products", row);
  // The count this row shows: sent as `expected`, so a count typed over it is refused when a
  // sale or another edit changed the stock since (the owner's 11 + 3 must not undo a sale).
  let shown = p.stock;
  save.onclick = async () => {
    const { value, error } = stockCount(stock.value);
    if (error) return showError(null, error);
    // One save at a time: a second press would send the same `expected` and be told "changed".
    save.disabled = true;
    let r;
    try {
      r = await call(`/admin/products/${enc(p.sku)}/stock`, { method: "PUT",
        body: { stock: value, reason: $("#stock-reason").value, expected: shown } });
    } finally {
      save.disabled = false;
    }
    if (!r.ok && r.data?.error?.code === "stock_changed") {
      const now = await call(`/admin/products/${enc(p.sku)}`);
      if (!now.ok) return showError(r, "The stock changed meanwhile; nothing was saved. Reload the page.");
      shown = now.data.stock;
      stock.value = String(shown);
      // This very count was saved already (an answer lost on the way, then Save again).
      if (shown === value) return say(`${p.sku}: stock is ${shown} already.`);
      return showError(null, `${p.sku} changed meanwhile (sold or edited): stock is now ${shown}. `
        + "Nothing was saved — check and save again.");
    }
    if (!r.ok) return showError(r, "The stock could not be saved.");
    shown = r.data.stock;
    stock.value = String(r.data.stock);
    say(`${p.sku}: stock set to ${r.data.stock}.`);
  };
  toggle.onclick = async () => {
    const action = p.status === "retired" ? "restore" : "retire";
    const r = await call(`/admin/products/${enc(p.sku)}/${action}`, { method: "POST" });
    if (!r.ok) return showError(r, `The product could not be ${action}d.`);
    row.replaceWith(productRow(r.data));
    say(`${p.sku} ${action === "retire" ? "retired" : "restored"}.`);
  };
  return row;
}

/** The list filters (`q`, `category`, `status` / `status`, `from`, `to`) as the URL holds them. */
function filtersFromUrl(ids) {
  const params = new URLSearchParams(location.search);
  let ignored = false;
  for (const [name, id] of Object.entries(ids)) {
    if (!params.has(name)) continue;
    const field = $(id);
    // A menu takes only what it offers: an unknown value would blank it while the list shows
    // the default; the default is kept and shown instead (the link's text is not echoed).
    if (field.tagName === "SELECT" && ![...field.options].some((o) => o.value === params.get(name))) {
      ignored = true;
      continue;
    }
    field.value = params.get(name);
  }
  return ignored;
}

/** The filters' current values as a query string (empty ones left out), written to the URL too. */
function filtersToQuery(ids) {
  const params = new URLSearchParams();
  for (const [name, id] of Object.entries(ids)) {
    const v = $(id).value.trim();
    if (v) params.set(name, v);
  }
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
  return query;
}

const PRODUCT_FILTERS = { q: "#product-search", category: "#product-category", status: "#product-status-filter" };

let productsListing = 0;

async function products(cursor) {
  const query = filtersToQuery(PRODUCT_FILTERS);
  const params = [query, cursor ? `cursor=${enc(cursor)}` : ""].filter(Boolean).join("&");
  // A new filter starts a new listing: clear what the old one showed, and drop its late answers.
  const listing = cursor ? productsListing : ++productsListing;
  if (!cursor) {
    $("#admin-products-body").replaceChildren();
    $("#products-more").hidden = true;
  }
  const r = await call("/admin/products" + (params ? `?${params}` : ""));
  if (listing !== productsListing) return;
  if (!r.ok) return showError(r, "The products could not be loaded. Please reload the page.");
  $("#admin-products-body").append(...(r.data.items || []).map(productRow));
  $("#products-empty").hidden = !!(cursor || (r.data.items || []).length || r.data.next);
  const more = $("#products-more");
  more.hidden = !r.data.next;
  more.onclick = () => products(r.data.next);
}

// ---- product form ---------------------------------------------------------
function toMinor(text, currency) {
  const exp = minorDigits(currency);
  const m = /^\s*(\d+)(?:[.,](\d+))?\s*$/.exec(text);
  if (!m || (m[2] || "").length > exp) return null;
  return Number(m[1]) * 10 ** exp + Number((m[2] || "").padEnd(exp, "0") || 0);
}

/** The price as the form shows it (major units, the currency's digits). */
function priceText(price) {
  const exp = minorDigits(price.currency);
  return exp ? (price.amount / 10 ** exp).toFixed(exp) : String(price.amount);
}

/**
 * The form's editable fields: each one's input and its value for a product as stored. Used to
 * fill the form and to tell which fields the owner has typed in (the form's value differs from
 * the product as last read), so that a photo's upload never overwrites typed text.
 */
const FORM_FIELDS = [
  ["#p-name", (p) => p.name],
  ["#p-description", (p) => p.description || ""],
  ["#p-category", (p) => p.category],
  ["#p-price", (p) => priceText(p.price)],
  ["#p-currency", (p) => p.price.currency],
  ["#p-featured", (p) => !!p.featured],
  ["#p-images", (p) => (p.images || []).join("\n")],
];

const fieldValue = (id) => ($(id).type === "checkbox" ? $(id).checked : $(id).value);
function setField(id, v) {
  if ($(id).type === "checkbox") $(id).checked = v;
  else $(id).value = v;
}

/** The product as last read from or saved to the API (the edit page), or null. */
let stored = null;

function fill(p) {
  $("#p-sku").value = p.sku;
  for (const [id, of] of FORM_FIELDS) setField(id, of(p));
  $("#p-stock").value = String(p.stock);
  $("#p-version").value = String(p.version);
  $("#admin-title").textContent = `Edit ${p.sku}`;
  const stockLink = $("#p-stock-link");
  if (stockLink) stockLink.href = `/admin/?q=${enc(p.sku)}`;
  stored = p;
}

/**
 * After a photo was added (the API answers the product with it, a new version): the fields the
 * owner has not typed in take the product's values, the typed ones are kept (the Images box
 * gets the new photo's key added to what is typed there), and the version and stock (read-only
 * here) become the saved ones, so the later Save neither fails on the version nor drops the
 * photo. Answers whether typed changes are still unsaved, and which typed fields someone else
 * also changed meanwhile (then the version is not advanced: Save is refused, not overwriting).
 */
function mergeSaved(p) {
  const added = (p.images || []).filter((k) => !(stored?.images || []).includes(k));
  // What the product held before the upload, as the answer has it: the answer less the photo.
  const before = { ...p, images: (p.images || []).filter((k) => !added.includes(k)) };
  // A field typed here that someone else also changed since the form was filled: the form
  // keeps the version it was filled at, so Save is refused (409) instead of overwriting theirs.
  const clashes = [];
  for (const [id, of] of FORM_FIELDS) {
    const typed = stored && fieldValue(id) !== of(stored);
    if (typed && of(before) !== of(stored)) clashes.push(id);
    if (!typed) setField(id, of(p));
    else if (id === "#p-images") {
      const keys = $(id).value.split("\n").map((k) => k.trim()).filter(Boolean);
      setField(id, [...keys, ...added.filter((k) => !keys.includes(k))].join("\n"));
    }
  }
  $("#p-stock").value = String(p.stock);
  if (!clashes.length) $("#p-version").value = String(p.version);
  stored = p;
  return { unsaved: FORM_FIELDS.some(([id, of]) => fieldValue(id) !== of(p)), clashes };
}

/** What each checked field of the product form takes, as the owner is told when it is wrong. */
const FIELD_RULES = {
  "p-sku": "The SKU must be 2 to 32 letters, digits or hyphens, starting with a letter or digit.",
  "p-name": "Give the product a name.",
  "p-category": "The category must be 1 to 40 lowercase letters, digits or hyphens.",
  "p-price": "Give the product a price.",
  "p-stock": "Stock must be a whole number, 0 or more.",
};

/**
 * Whether `category` may be saved: one the shop has (in the menu's list, or on any product,
 * retired ones too, as the API lists them), or a new one the owner confirms. A typo such as
 * "kitchn" would otherwise become a public category in every page's menu.
 */
async function categoryConfirmed(category) {
  if (!category || category === stored?.category) return true;
  const known = [...$("#p-categories").options].map((o) => o.value);
  if (known.includes(category)) return true;
  const r = await call(`/admin/products?category=${enc(category)}&limit=1`);
  if (r.ok && (r.data.items || []).length) return true;
  // Not found, or not asked (an invalid name is refused by the save that follows).
  if (r.ok && !window.confirm(`No product is in the category "${category}" yet. Saving makes it a new category `
    + `in every page's menu${known.length ? ` (the shop has: ${known.join(", ")})` : ""}. Create it?`)) {
    showError(null, `Nothing was saved: "${category}" is not one of the shop's categories. Choose one, or press Save and confirm to create it.`);
    $("#p-category").focus();
    return false;
  }
  return true;
}

async function productForm() {
  const editing = page === "admin-product-edit";
  const sku = new URLSearchParams(location.search).get("sku") || "";
  // Wired before anything is awaited: the browser must never submit the form itself (by its
  // method, with every field in the request) while the product loads or when it is missing.
  $("#product-form").onsubmit = async (ev) => {
    ev.preventDefault();
    if (editing && !stored) return;
    // The form is `novalidate` (the page says what is wrong in its own words): its fields'
    // `required`/`pattern` are checked here, the first wrong one named and focused.
    const wrong = [...$("#product-form").elements].find((f) => f.willValidate && !f.checkValidity());
    if (wrong) {
      showError(null, FIELD_RULES[wrong.id] ?? `Check the ${wrong.labels?.[0]?.textContent ?? "form"}.`);
      return wrong.focus();
    }
    const currency = $("#p-currency").value;
    const amount = toMinor($("#p-price").value, currency);
    if (amount == null) return showError(null, `The price is not a valid amount in ${currency}.`);
    // A round limit well inside what a browser's number holds exactly (the API's is an i64).
    if (amount >= MAX_PRICE_UNITS * 10 ** minorDigits(currency)) {
      return showError(null, `The price must be less than ${MAX_PRICE_UNITS.toLocaleString("en")} ${currency}.`);
    }
    const count = stockCount($("#p-stock").value);
    if (count.error) return showError(null, count.error);
    if (!(await categoryConfirmed($("#p-category").value.trim()))) return;
    const body = {
      sku: $("#p-sku").value.trim(),
      name: $("#p-name").value,
      description: $("#p-description").value,
      category: $("#p-category").value.trim(),
      price: { amount, currency },
      stock: count.value,
      featured: $("#p-featured").checked,
      images: $("#p-images").value.split("\n").map((s) => s.trim()).filter(Boolean),
    };
    let r;
    if (editing) {
      body.version = Number($("#p-version").value);
      // The form has no status field: the product keeps its own (a retired one stays retired).
      if (stored) body.status = stored.status;
      r = await call(`/admin/products/${enc(body.sku)}`, { method: "PUT", body });
    } else {
      r = await call("/admin/products", { method: "POST", body });
    }
    if (!r.ok) return showError(r, "The product could not be saved.");
    if (!editing) {
      location.assign(`/admin/products/edit/?sku=${enc(r.data.sku)}&saved=1`);
      return;
    }
    fill(r.data);
    $("#p-upload-note").hidden = true;
    say(`Saved ${r.data.sku}. The shop's pages update in a moment.`);
  };
  $("#p-upload").onclick = () => uploadPhoto(editing);
  if (editing) {
    const missing = (said) => {
      $("#product-form").hidden = true;
      showError(null, said);
    };
    if (!sku) return missing("No product given: open it from the product table.");
    const r = await call(`/admin/products/${enc(sku)}`);
    if (r.status === 404 || r.status === 400) {
      // A SKU-shaped name is said back (as text); anything else is not echoed.
      return missing(/^[A-Za-z0-9][A-Za-z0-9-]{1,31}$/.test(sku)
        ? `No product ${sku.toUpperCase()}. Open one from the product table.`
        : "No product has that SKU. Open one from the product table.");
    }
    if (!r.ok) {
      $("#product-form").hidden = true;
      return showError(r, "The product could not be loaded. Please reload the page.");
    }
    fill(r.data);
  }
  if (new URLSearchParams(location.search).get("saved")) say("Saved. You can add photos below.");
}

// ---- photos ---------------------------------------------------------------
// Two steps (functions/src/admin/images.rs): PUT the file to the presigned URL (progress
// shown), then ask the API to check, resize and add it. "Saved." only once the API has
// added it to the product; every failure on the way is shown, none is left uncaught.
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

/** PUTs `file` to a presigned upload, reporting progress (0–1); resolves to the HTTP status, 0 when unreachable. */
function putWithProgress(upload, file, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method, upload.url);
    for (const [k, v] of Object.entries(upload.headers)) {
      // The browser sets Content-Length itself (it is signed: the file's exact size).
      if (k !== "content-length" && k !== "host") xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => resolve(xhr.status);
    xhr.onerror = () => resolve(0);
    xhr.onabort = () => resolve(0);
    xhr.send(file);
  });
}

async function uploadPhoto(editing) {
  const file = $("#p-image-file").files[0];
  const sku = $("#p-sku").value.trim();
  const button = $("#p-upload");
  const bar = $("#p-upload-progress");
  if (!file) return showError(null, "Choose an image file first.");
  // The new-product form offers no upload (disabled, with a hint): a product needs saving first.
  if (!sku || !editing) return showError(null, "Save the product first, then add images.");
  if (!PHOTO_TYPES.includes(file.type)) return showError(null, "Upload a JPEG, PNG or WebP image.");
  if (file.size > MAX_PHOTO_BYTES) return showError(null, "An image must be at most 10 MiB.");
  button.disabled = true;
  bar.value = 0;
  bar.hidden = false;
  try {
    say(`Uploading ${file.name}…`);
    const r = await call(`/admin/products/${enc(sku)}/images`, { method: "POST",
      body: { contentType: file.type, size: file.size } });
    if (!r.ok) return showError(r, "The upload could not be prepared.");
    const status = await putWithProgress(r.data, file, (f) => { bar.value = f; });
    if (status < 200 || status > 299) {
      return showError(null, status === 0
        ? "The upload failed: the storage could not be reached. Check your connection and try again."
        : `The upload failed (storage answered ${status}). Try again.`);
    }
    bar.value = 1;
    say("Uploaded. Checking and resizing the photo…");
    const done = await call(r.data.complete, { method: "POST" });
    if (!done.ok) return showError(done, "The photo could not be added.");
    // Only what the upload changed: typed edits stay in the form, unsaved, and are named.
    const { unsaved, clashes } = mergeSaved(done.data);
    $("#p-image-file").value = "";
    const preview = $("#p-image-preview");
    preview.src = `/images/w400/${done.data.images[done.data.images.length - 1].replace(/\.[a-z]+$/, ".jpg")}`;
    preview.hidden = false;
    const named = clashes.map((id) => $(`label[for="${id.slice(1)}"]`)?.textContent.trim().toLowerCase() || id.slice(3));
    const said = clashes.length
      ? `The photo is saved on the product. Someone else changed its ${named.join(", ")} meanwhile, `
        + "as you did: reload the page to see their changes before saving yours."
      : unsaved
        ? "The photo is saved on the product. Your other changes are not saved yet: press Save to keep them."
        : "Saved. The photo is on the product; the shop's pages update in a moment.";
    say(said);
    // Said beside the photo and the Save button too: the page's status line is out of view here.
    $("#p-upload-note").textContent = said;
    $("#p-upload-note").hidden = false;
  } catch (e) {
    showError(null, `The upload failed: ${e.message}`);
  } finally {
    button.disabled = false;
    bar.hidden = true;
  }
}

// ---- orders ---------------------------------------------------------------
const has = (o, effect) => effect != null && (o.effects || []).includes(effect);
/** The email kinds (shop::EmailKind) in the order Rust lists them. */
const EMAIL_KINDS = Object.keys(EFFECT.email || {});

function when(text) {
  const d = text ? new Date(text) : null;
  return d && !isNaN(d) ? d.toLocaleString() : text || "";
}

/** Where the money stands, in the owner's words (from the order's status and effects). */
function paymentState(o) {
  if (o.status === "refunded" || has(o, EFFECT.refund)) return `Refunded: ${formatMoney(o.total)} given back to the card`;
  if (has(o, EFFECT.capture)) return `Paid: ${formatMoney(o.total)} captured`;
  if (has(o, EFFECT.captureFailed)) return "Not paid: the capture was refused. Retry the capture before shipping.";
  if (o.status === "cancelled") {
    return has(o, EFFECT.cancelFailed)
      ? "Not charged: the card hold could not be released and lapses by itself"
      : "Not charged: the card hold was released";
  }
  if (o.status === "confirmed") return `Capturing ${formatMoney(o.total)}…`;
  return `Card authorised for ${formatMoney(o.total)}; not charged yet`;
}

/**
 * Whether the parcel left (refunded or not): shipped now, or a refunded order that has a
 * tracking reference or whose shipping notice was sent or tried (nothing else records it).
 */
function wasShipped(o) {
  return o.status === "shipped" || !!o.tracking
    || has(o, EFFECT.email?.shipped) || has(o, EFFECT.emailRejected?.shipped);
}

function shippingState(o) {
  // A refund first: a refunded order that had shipped is still refunded, and says both.
  if (o.status === "refunded") {
    if (!wasShipped(o)) return "Not shipped (refunded)";
    return o.tracking ? `Refunded after shipping, tracking ${o.tracking}` : "Refunded after shipping (no tracking reference)";
  }
  if (wasShipped(o)) return o.tracking ? `Shipped, tracking ${o.tracking}` : "Shipped (no tracking reference)";
  if (o.status === "cancelled") return `Will not ship: cancelled${o.cancelReason ? ` (${o.cancelReason})` : ""}`;
  return "Not shipped yet";
}

/** Whether the order's units are off the shelf, or went back with the refund (EFFECT.restock). */
function stockState(o) {
  if (has(o, EFFECT.restock)) return "Put back in stock after the refund";
  if (has(o, EFFECT.restockFailed)) return "Could not be put back: a product of this order no longer exists. Set its stock by hand.";
  if (o.status === "refunded") return o.restock ? "Going back in stock…" : "Not put back in stock";
  if (has(o, EFFECT.stock)) return "Taken from stock";
  return o.status === "cancelled" ? "Not taken (cancelled)" : "Not taken yet";
}

const EMAILS = {
  confirmed: "confirmation", cancelled: "cancellation", shipped: "shipping notice", refunded: "refund notice",
  "new-order": "your new-order notice",
};

function emailState(o) {
  const said = EMAIL_KINDS.flatMap((k) => [
    ...(has(o, EFFECT.email[k]) ? [`${EMAILS[k] ?? k} sent`] : []),
    ...(has(o, EFFECT.emailRejected[k]) ? [`${EMAILS[k] ?? k} rejected by the mail service`] : []),
  ]);
  return said.length ? said.join("; ") : "none yet";
}

/** The countries' names by code, from the shop's one list (`<meta name="countries">`): an
 * address reads here as in the emails and the checkout. */
const COUNTRIES = JSON.parse(document.querySelector('meta[name="countries"]')?.content || "{}");
function country(code) {
  return COUNTRIES[code] ?? code;
}

function moneyRow(label, m, testid, text = formatMoney(m)) {
  return el("tr", {}, el("th", { scope: "row", colspan: "4", text: label }),
    el("td", { class: "num", "data-testid": testid, text }));
}

/** The items' heading: something to pack only while the order is to be shipped. */
function itemsHeading(o) {
  if (o.status === "refunded") return "Items (refunded)";
  if (o.status === "cancelled") return "Items (cancelled)";
  if (wasShipped(o)) return "Items shipped";
  return "Items to pack";
}

/** The order's details: what to pack, where it goes, who to tell, where the money stands. */
function orderDetail(o) {
  const lines = el("table", { class: "order-lines", "data-testid": "order-lines" },
    el("caption", { class: "visually-hidden", text: `Items of order ${o.id}` }),
    el("thead", {}, el("tr", {}, ...["Item", "Code", "Qty", "Unit price", "Line total"].map((h, i) =>
      el("th", { scope: "col", class: i >= 2 ? "num" : null, text: h })))),
    el("tbody", {}, ...(o.lines || []).map((l) => el("tr", { "data-testid": "order-line", "data-sku": l.sku },
      el("td", { "data-testid": "line-name", text: l.name }),
      el("td", { "data-testid": "line-sku", text: l.sku }),
      el("td", { class: "num", "data-testid": "line-quantity", text: String(l.quantity) }),
      el("td", { class: "num", "data-testid": "line-unit-price", text: formatMoney(l.unitPrice) }),
      el("td", { class: "num", "data-testid": "line-total", text: formatMoney(l.lineTotal) })))),
    el("tfoot", {}, moneyRow("Subtotal", o.subtotal, "order-subtotal"),
      // "Free", as the checkout, the order page and the emails say it.
      moneyRow("Shipping", o.shipping, "order-shipping", o.shipping?.amount === 0 ? "Free" : undefined), moneyRow("Total", o.total, "order-total")));
  const a = o.address || {};
  const addressLines = [a.name, a.line1, a.line2, `${a.postalCode ?? ""} ${a.city ?? ""}`.trim(), a.country && country(a.country)]
    .filter(Boolean);
  const facts = [
    ["Placed", when(o.createdAt), "order-placed"],
    ["Status", o.status, "order-detail-status"],
    ["Payment", paymentState(o), "order-payment"],
    ["Shipping", shippingState(o), "order-shipping-state"],
    ["Tracking", o.tracking || "—", "order-tracking"],
    ["Stock", stockState(o), "order-stock"],
    ["Emails", emailState(o), "order-emails"],
    ["Stripe payment", o.paymentIntent, "order-payment-intent"],
    ["Last change", when(o.updatedAt), "order-updated"],
  ];
  return el("div", { class: "order-panel" },
    el("section", { class: "order-items" }, el("h3", { text: itemsHeading(o) }),
      el("div", { class: "table-scroll" }, lines)),
    el("section", {}, el("h3", { text: "Ship to" }),
      el("address", { "data-testid": "order-address" }, ...addressLines.flatMap((t, i) => (i ? [el("br"), t] : [t]))),
      el("h3", { text: "Customer" }),
      el("p", {}, el("a", { href: `mailto:${enc(o.email)}`, "data-testid": "order-email", text: o.email }))),
    el("section", {}, el("h3", { text: "Order" }),
      el("dl", { class: "facts" }, ...facts.flatMap(([k, v, id]) => [el("dt", { text: k }), el("dd", { "data-testid": id, text: v })]))));
}

/** Opens the detail row under `row` for order `o`. */
function openDetail(row, o) {
  const detail = el("tr", { class: "order-detail", "data-testid": "order-detail", "data-order-id": o.id },
    el("td", { colspan: "6", id: `order-detail-${o.id}` }, orderDetail(o)));
  row.after(detail);
  row.querySelector(".order-toggle").setAttribute("aria-expanded", "true");
}

function detailOf(row) {
  const next = row.nextElementSibling;
  return next && next.classList.contains("order-detail") ? next : null;
}

/** Replaces an order's row (after a ship, refund or capture), keeping its details open and current. */
function replaceOrder(row, o) {
  const open = detailOf(row);
  const fresh = orderRow(o);
  row.replaceWith(fresh);
  if (open) {
    open.remove();
    openDetail(fresh, o);
  }
  return fresh;
}

function orderRow(o) {
  const actions = el("td", {});
  const items = (o.lines || []).reduce((n, l) => n + l.quantity, 0);
  const toggle = el("button", { type: "button", class: "order-toggle", "data-testid": "order-toggle",
    "aria-expanded": "false", "aria-controls": `order-detail-${o.id}`, title: "Show the items, address and payment",
    text: o.id });
  const row = el("tr", { class: "admin-order", "data-order-id": o.id, "data-testid": "admin-order" },
    el("td", {}, toggle, el("span", { class: "hint order-count", text: `${items} item${items === 1 ? "" : "s"}` })),
    el("td", { text: when(o.createdAt) }),
    el("td", { class: "wrap" }, ...wrappableEmail(o.email)),
    el("td", { text: formatMoney(o.total) }),
    el("td", { class: `status status-${o.status}`, "data-testid": "order-status", text: o.status },
      ...orderProblems(o)),
    actions);
  labelled("#admin-orders", row);
  toggle.addEventListener("click", async () => {
    const open = detailOf(row);
    if (open) {
      open.remove();
      toggle.setAttribute("aria-expanded", "false");
      return;
    }
    toggle.disabled = true;
    const r = await call(`/admin/orders/${enc(o.id)}`);
    toggle.disabled = false;
    if (!r.ok) return showError(r, "The order could not be loaded.");
    // Changed since the list was read (shipped, refunded elsewhere): the row shows it too.
    const current = r.data.version === o.version ? row : replaceOrder(row, r.data);
    openDetail(current, r.data);
  });
  const captured = has(o, EFFECT.capture);
  if (o.status === "confirmed" && has(o, EFFECT.captureFailed)) {
    // Nothing unpaid ships: the owner retries the capture first.
    const retry = el("button", { type: "button", class: "capture-order", "data-testid": "capture-order", text: "Retry capture" });
    retry.addEventListener("click", async () => {
      retry.disabled = true;
      const r = await call(`/admin/orders/${enc(o.id)}/capture`, { method: "POST" });
      retry.disabled = false;
      if (!r.ok) return showError(r, "The capture failed.");
      replaceOrder(row, r.data);
      say(`Order ${o.id}: payment captured. It can be shipped now.`);
    });
    actions.append(retry, " ");
  } else if (o.status === "confirmed" && !captured) {
    actions.append(el("span", { class: "muted", "data-testid": "capturing", text: "Capturing the payment…" }), " ");
  } else if (o.status === "confirmed") {
    const tracking = el("input", { class: "tracking-input", "data-testid": "tracking-input",
      placeholder: "Tracking (optional)", "aria-label": `Tracking reference for ${o.id}`, maxlength: "100" });
    const ship = el("button", { type: "button", class: "ship-order", "data-testid": "ship-order", text: "Mark shipped" });
    ship.addEventListener("click", async () => {
      const r = await call(`/admin/orders/${enc(o.id)}/ship`, { method: "POST",
        body: tracking.value.trim() ? { tracking: tracking.value.trim() } : {} });
      if (!r.ok) return showError(r, "The order could not be marked shipped.");
      replaceOrder(row, r.data);
      say(`Order ${o.id} shipped; the customer gets an email.`);
    });
    actions.append(tracking, " ", ship, " ");
  }
  if ((o.status === "confirmed" || o.status === "shipped") && captured) {
    // Goods not shipped are still on the shelf: offered back to stock unless the owner says not.
    const restock = el("input", { type: "checkbox", class: "restock-input", "data-testid": "restock-input" });
    restock.checked = o.status === "confirmed";
    const refund = el("button", { type: "button", class: "refund-order", "data-testid": "refund-order", text: "Refund" });
    refund.addEventListener("click", async () => {
      // The row may be stale (shipped or refunded since, in another tab or by another owner):
      // the order is read again first, and a changed one is shown instead of refunded.
      refund.disabled = true;
      const fresh = await call(`/admin/orders/${enc(o.id)}`);
      refund.disabled = false;
      if (fresh.ok && fresh.data.status !== o.status) {
        replaceOrder(row, fresh.data);
        return say(`Order ${o.id} changed meanwhile (it is ${fresh.data.status} now): nothing was refunded. Check it and refund again if you still want to.`);
      }
      const back = restock.checked ? " and put the items back in stock" : "";
      if (!window.confirm(`Refund ${formatMoney(o.total)} to ${o.email}${back}? This cannot be undone.`)) return;
      refund.disabled = true;
      // Left as offered, the choice is the server's (unshipped items go back, shipped ones do
      // not, by the order's status when the refund is written); only a change is sent.
      const body = restock.checked === (o.status === "confirmed") ? {} : { restock: restock.checked };
      const r = await call(`/admin/orders/${enc(o.id)}/refund`, { method: "POST", body });
      refund.disabled = false;
      if (!r.ok) return showError(r, "The refund failed.");
      replaceOrder(row, r.data);
      say(`Order ${o.id} refunded; ${r.data.restock ? "its items go back in stock" : "its items were not put back in stock"}; the customer gets an email.`);
    });
    actions.append(el("span", { class: "refund-control" },
      el("label", { class: "restock-choice" }, restock, "Put the items back in stock"), refund));
  }
  return row;
}

/** Badges for what failed on an order (a refused capture, a rejected email). */
function orderProblems(o) {
  const badge = (text) => el("span", { class: "badge badge-problem", "data-testid": "order-problem", text });
  return [
    ...(has(o, EFFECT.captureFailed) ? [badge("capture refused")] : []),
    ...(has(o, EFFECT.restockFailed) ? [badge("stock not put back")] : []),
    ...EMAIL_KINDS.filter((k) => has(o, EFFECT.emailRejected[k])).map((k) => badge(`${k} email rejected`)),
  ];
}

/**
 * `?order=<id>` (the audit trail links there): that order alone, its details open. Only an
 * id shaped like the shop's is requested or shown; anything else is never echoed back (a
 * link's text is not the shop's to say), and the list is shown instead.
 */
async function oneOrder(given) {
  const id = given.trim().toUpperCase();
  if (!ORDER_ID.test(id)) {
    // Listed first: a listing settles the filters' messages, and this one must stay.
    await orders();
    return showError(null, "That link does not name an order (an order number is 26 letters and digits). "
      + "The orders are listed below.");
  }
  const r = await call(`/admin/orders/${enc(id)}`);
  if (!r.ok) return showError(r, "The order could not be loaded.");
  $("#order-status-filter").value = r.data.status;
  const row = orderRow(r.data);
  $("#admin-orders-body").replaceChildren(row);
  openDetail(row, r.data);
  say(`Only order ${id} is shown; the Orders tab lists them all.`);
}

const ORDER_FILTERS = { status: "#order-status-filter", from: "#order-from", to: "#order-to" };

/** Pages read per status for the attention view (the API filters after reading a page). */
const ATTENTION_PAGES = 20;

/** The "needing attention" view: every status's orders with a failure, newest first, in one list. */
async function attentionOrders(params, listing) {
  $("#orders-empty").hidden = true;
  $("#orders-empty").textContent = "No order needs your attention.";
  params.set("attention", "true");
  const found = [];
  let partial = false;
  // Every status the page offers (from Rust's OrderStatus): a failure can come with any of them
  // (a refused capture on a confirmed order, stock that could not go back on a refunded one, a
  // rejected email on any).
  const statuses = [...$("#order-status-filter").options].map((o) => o.value).filter((v) => v !== "attention");
  for (const status of statuses) {
    params.set("status", status);
    params.delete("cursor");
    for (let page = 0; page < ATTENTION_PAGES; page += 1) {
      const r = await call(`/admin/orders?${params}`);
      if (listing !== ordersListing) return;
      if (!r.ok) return showError(r, "The orders could not be loaded. Please reload the page.");
      found.push(...(r.data.items || []));
      if (!r.data.next) break;
      if (page === ATTENTION_PAGES - 1) partial = true;
      params.set("cursor", r.data.next);
    }
  }
  clearError();
  found.sort((a, b) => (b.createdAt || "").localeCompare(a.createdAt || ""));
  $("#admin-orders-body").replaceChildren(...found.map(orderRow));
  $("#orders-empty").hidden = found.length > 0;
  $("#orders-more").hidden = true;
  if (partial) say("Only the newest orders were searched: narrow the dates to look further back.");
}

let ordersListing = 0;

async function orders(cursor) {
  // A new filter starts a new listing, and an older listing's late answer is dropped (it
  // would clear a newer message, or list what the filters no longer ask).
  const listing = cursor ? ordersListing : ++ordersListing;
  const from = $("#order-from").value;
  const to = $("#order-to").value;
  if (from && to && from > to) {
    $("#admin-orders-body").replaceChildren();
    $("#orders-more").hidden = true;
    $("#orders-empty").hidden = true;
    return showError(null, "The \u201ccreated from\u201d date must not be after the \u201cto\u201d date.");
  }
  const params = new URLSearchParams(filtersToQuery(ORDER_FILTERS));
  if (params.get("status") === "attention") return attentionOrders(params, listing);
  $("#orders-empty").textContent = "No orders in this status.";
  if (cursor) params.set("cursor", cursor);
  const r = await call(`/admin/orders?${params}`);
  if (listing !== ordersListing) return;
  if (!r.ok) return showError(r, "The orders could not be loaded. Please reload the page.");
  // A message about the filters (dates the wrong way round) is settled once a list is shown.
  if (!cursor) clearError();
  const items = r.data.items || [];
  $("#admin-orders-body").append(...items.map(orderRow));
  $("#orders-empty").hidden = !!(cursor || items.length);
  const more = $("#orders-more");
  more.hidden = !r.data.next;
  more.onclick = () => orders(r.data.next);
}

// ---- staff ----------------------------------------------------------------
/** The signed-in admin's username (`/api/me`), so their own row offers no "Remove admin". */
let myUsername = null;

function staffRow(u) {
  // An admin cannot revoke their own right (the API refuses it): their row says so instead.
  const self = u.username === myUsername;
  const button = self ? "you" : el("button", { type: "button", class: u.admin ? "revoke-admin" : "grant-admin",
    "data-testid": u.admin ? "revoke-admin" : "grant-admin", text: u.admin ? "Remove admin" : "Make admin" });
  const row = el("tr", { class: "staff-row", "data-username": u.username, "data-testid": "staff-row" },
    el("td", { text: u.username }),
    el("td", { text: u.email || "" }),
    el("td", { text: u.enabled ? (u.status || "") : "disabled" }),
    el("td", { "data-testid": "staff-admin", text: u.admin ? "yes" : "no" }),
    el("td", {}, button));
  labelled("#staff", row);
  if (self) return row;
  button.onclick = async () => {
    const r = await call(`/admin/staff/${enc(u.username)}/admin`, { method: u.admin ? "DELETE" : "PUT" });
    if (!r.ok) return showError(r, "The change could not be made.");
    row.replaceWith(staffRow({ ...u, admin: r.data.admin }));
    say(`${u.email || u.username} is ${r.data.admin ? "now" : "no longer"} an admin.`);
  };
  return row;
}

async function staff(cursor) {
  if (myUsername == null) {
    const me = await call("/me");
    myUsername = me.ok ? me.data.username : "";
  }
  const r = await call("/admin/staff" + (cursor ? `?cursor=${enc(cursor)}` : ""));
  if (!r.ok) return showError(r, "The users could not be loaded. Please reload the page.");
  $("#staff-body").append(...(r.data.items || []).map(staffRow));
  const more = $("#staff-more");
  more.hidden = !r.data.next;
  more.onclick = () => staff(r.data.next);
}

// ---- audit trail -----------------------------------------------------------
// An entry's detail is the JSON the API recorded (functions/src/admin): shown as words,
// money with its currency, sizes in pixels, never as raw JSON with prices in cents.
const DETAIL_WORDS = { sku: "SKU", contentType: "File type", key: "File", variants: "Sizes",
  refund: "Stripe refund", restock: "Items back in stock", delta: "Change", images: "Images", featured: "Featured" };
const PIXELS = new Set(["width", "height", "variants"]);

function words(key) {
  return DETAIL_WORDS[key] ?? key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().replace(/^./, (c) => c.toUpperCase());
}

function isMoney(v) {
  return v && typeof v === "object" && Number.isInteger(v.amount) && typeof v.currency === "string"
    && Object.keys(v).length === 2;
}

function readable(key, v) {
  if (v == null || v === "") return "—";
  if (isMoney(v)) return formatMoney(v);
  if (Array.isArray(v)) return v.length ? v.map((x) => readable(key, x)).join(", ") : "none";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "object") return Object.entries(v).map(([k, x]) => `${words(k)}: ${readable(k, x)}`).join("; ");
  if (key === "delta" && typeof v === "number") return v > 0 ? `+${v}` : String(v);
  if (PIXELS.has(key) && typeof v === "number") return `${v} px`;
  return String(v);
}

function auditDetail(detail) {
  const entries = Object.entries(detail || {});
  if (!entries.length) return "";
  return el("dl", { class: "facts" }, ...entries.flatMap(([k, v]) =>
    [el("dt", { text: words(k) }), el("dd", { text: readable(k, v) })]));
}

/** What an entry changed, as a link to it where the back office has a page for it. */
function auditTarget(e) {
  const href = AUDIT_ACTIONS.order.includes(e.action) ? `/admin/orders/?order=${enc(e.target)}`
    : AUDIT_ACTIONS.product.includes(e.action) ? `/admin/products/edit/?sku=${enc(e.target)}` : null;
  return href ? el("a", { href, "data-testid": "audit-target", text: e.target }) : e.target;
}

function auditRow(e) {
  const at = e.at ? new Date(e.at) : null;
  return labelled("#audit", el("tr", { class: "audit-row", "data-testid": "audit-row" },
    el("td", { text: at && !isNaN(at) ? at.toLocaleTimeString() : e.at }),
    el("td", { title: e.actor, class: "wrap" }, ...wrappableEmail(e.actorEmail || e.actorName || e.actor)),
    el("td", { "data-testid": "audit-action", text: e.action }),
    el("td", { class: "wrap" }, auditTarget(e)),
    el("td", { class: "audit-detail", "data-testid": "audit-detail" }, auditDetail(e.detail))));
}

async function audit(cursor) {
  const day = $("#audit-day").value;
  const r = await call(`/admin/audit?day=${enc(day)}` + (cursor ? `&cursor=${enc(cursor)}` : ""));
  if (!r.ok) return showError(r, "The audit trail could not be loaded. Please reload the page.");
  const items = r.data.items || [];
  $("#audit-body").append(...items.map(auditRow));
  $("#audit-empty").hidden = !!(cursor || items.length);
  const more = $("#audit-more");
  more.hidden = !r.data.next;
  more.onclick = () => audit(r.data.next);
}

if (page === "admin-products") {
  filtersFromUrl(PRODUCT_FILTERS);
  let typing;
  $("#product-search").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(() => products(), 250); });
  // Enter searches at once and stays on the page (the filters live in the URL's query).
  $("#product-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearTimeout(typing);
    products();
  });
  $("#product-category").onchange = () => products();
  $("#product-status-filter").onchange = () => products();
  products();
}
else if (page === "admin-product-new" || page === "admin-product-edit") productForm();
else if (page === "admin-orders") {
  if (filtersFromUrl(ORDER_FILTERS)) say("That link's status is not one the shop has: confirmed orders are shown.");
  for (const id of Object.values(ORDER_FILTERS)) {
    $(id).onchange = () => {
      $("#admin-orders-body").replaceChildren();
      orders();
    };
  }
  const one = new URLSearchParams(location.search).get("order");
  if (one) oneOrder(one);
  else orders();
} else if (page === "admin-staff") staff();
else if (page === "admin-audit") {
  // `?day=yyyy-mm-dd` opens that day's trail (a link can name it); today (UTC) otherwise.
  const day = $("#audit-day");
  const asked = new URLSearchParams(location.search).get("day");
  day.value = /^\d{4}-\d{2}-\d{2}$/.test(asked ?? "") ? asked : new Date().toISOString().slice(0, 10);
  day.onchange = () => {
    history.replaceState(null, "", `?day=${enc(day.value)}`);
    $("#audit-body").replaceChildren();
    audit();
  };
  audit();
}
