// The checkout page: the server's quote (POST /api/checkout/quote: lines,
// subtotal, shipping, total) -> address + Stripe.js card element -> token ->
// POST /api/checkout (Idempotency-Key, expectedTotal = the total shown) ->
// 3-D Secure when asked -> confirm. The card is authorised for exactly the
// total on the page: if the server's price moved, it answers 409
// price_changed with the new quote, which is shown before asking again.
import {
  CHECKOUT_ATTEMPT, LAST_ORDER, call, clearCart, el, errorMessage, formatMoney, mixedCurrencyMessage, onCartChange, readCart,
  validateFields,
} from "./lib.js";

const $ = (s) => document.querySelector(s);
/** Only when the API cannot be asked: every other payment sentence is the server's. */
const NOT_CONFIRMED = "We could not confirm your payment. Please try again.";
const EMPTY_CARD = "Please enter your card details.";
const form = $("#checkout-form");
const payButton = $("#pay");
const errorBox = $("#checkout-error");
const statusBox = $("#checkout-status");

/** A message above Pay; `focus: false` when it arrives while the shopper may be typing. */
function showError(message, { focus = true } = {}) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  if (focus) errorBox.focus();
}

const cardError = $("#card-error");

function clearError() {
  errorBox.textContent = "";
  errorBox.hidden = true;
  cardError.textContent = "";
  cardError.hidden = true;
}

/** What is wrong with the card, beside it, as the address fields say theirs. */
function showCardError(message, card) {
  cardError.textContent = message;
  cardError.hidden = false;
  try {
    card.focus?.();
  } catch {
    // Not every Stripe.js element can take focus: the message is enough.
  }
}

/** Stripe.js's card token, or `{error}` with the sentence to show: it never throws at the caller. */
async function cardToken(stripe, card) {
  try {
    const { token, error } = (await stripe.createToken(card)) || {};
    if (token && !error) return { token };
    return { error: (error && error.message) || EMPTY_CARD };
  } catch {
    // Stripe.js answers an incomplete card with {error}; a script that throws
    // instead (localstripe before any card field was typed in) means the same.
    return { error: EMPTY_CARD };
  }
}

/** An API message as a sentence: capitalised, with a full stop. */
const sentence = (m) => m.charAt(0).toUpperCase() + m.slice(1).replace(/[.!?]?$/, ".");

/** How long after paying the empty checkout still links to the order just placed. */
const LAST_ORDER_FOR_MS = 10 * 60 * 1000;

/**
 * The cart cannot be paid as it is (mixed currencies, sold out, not priced): only
 * the reason and the way back to the cart; no order summary, address or Pay button.
 */
function cannotPay(message, { focus = false } = {}) {
  shown = null;
  $("#checkout-order").hidden = true;
  form.hidden = true;
  $("#checkout-problem-text").textContent = message;
  $("#checkout-problem").hidden = false;
  // Told after Pay (the form it was in is gone): the shopper's place is the message.
  if (focus) $("#checkout-problem-text").focus();
}

/** The quote on screen: what Pay authorises. */
let shown = null;

function showQuote(q) {
  shown = q;
  // Shown again after the cart changed in another tab (it may have been empty or unpayable).
  for (const id of ["#checkout-empty", "#checkout-placed", "#checkout-problem"]) $(id).hidden = true;
  $("#checkout-order").hidden = false;
  form.hidden = false;
  $("#checkout-summary").replaceChildren(...q.lines.map((l) =>
    el("li", { class: "cart-line", "data-sku": l.sku },
      el("span", { text: `${l.quantity} × ${l.name}` }),
      el("span", { class: "price", text: formatMoney(l.lineTotal) }))));
  $("#checkout-subtotal").textContent = formatMoney(q.subtotal);
  $("#checkout-shipping").textContent = q.shipping.amount === 0 ? "Free" : formatMoney(q.shipping);
  $("#checkout-total").textContent = formatMoney(q.total);
  $("#checkout-shipping-note").textContent = q.shippingNote || "";
  $("#checkout-breakdown").hidden = false;
  $("#quote-status").textContent = "";
  payButton.textContent = `Pay ${formatMoney(q.total)}`;
  payButton.disabled = false;
}

/** Asks the server to price the cart; shows the quote or why it cannot. */
async function requote(lines) {
  payButton.disabled = true;
  let r;
  try {
    r = await call("/checkout/quote", { method: "POST", body: { lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) } });
  } catch {
    $("#quote-status").textContent = "";
    showError("Your cart could not be priced (network). Please reload the page.");
    return false;
  }
  if (!r.ok) {
    $("#quote-status").textContent = "";
    const currencies = [...new Set(lines.map((l) => l.price?.currency))];
    if (r.status === 401) showError("Your session has ended. Reload the page to sign in again; your cart is kept.");
    else if (r.data?.error?.code === "mixed_currencies") {
      // One currency here but several at the shop: a price changed currency since it was added.
      cannotPay(currencies.length > 1 ? mixedCurrencyMessage(currencies)
        : "Some items in your cart are now priced in another currency. An order is paid in one currency: " +
          "please remove them from your cart and buy them in a separate order.");
    }
    else cannotPay(sentence(errorMessage(r.data, "Your cart could not be priced")) + " Please change your cart and come back.");
    return false;
  }
  showQuote(r.data);
  return true;
}

/** A cart's lines as the server priced them, comparable with a quote's: "sku×quantity", sorted. */
const linesKey = (lines) => lines.map((l) => `${l.sku}×${l.quantity}`).sort().join(",");

/** True while Pay is at work: the lines it pays were read when it was pressed. */
let paying = false;

const CART_CHANGED = "Your cart changed in another tab. The order above now shows what it holds: please check it, then press Pay.";

/**
 * The cart no longer holds what the summary shows (another tab added, removed
 * or changed a line): price it again and say so, so that the shopper sees what
 * Pay will authorise before pressing it. Not a price change, and nothing paid.
 */
/**
 * Whether `lines` can be sent to be priced; if not, the page says why (the empty checkout, or
 * a cart mixing currencies: an order is paid in one, and a cart kept from before the product
 * page refused the mix is not priced).
 */
function priceable(lines) {
  if (!lines.length) {
    emptyCart();
    return false;
  }
  const currencies = [...new Set(lines.map((l) => l.price?.currency))];
  if (currencies.length > 1) {
    cannotPay(mixedCurrencyMessage(currencies));
    return false;
  }
  return true;
}

async function followCart(lines, { focus }) {
  if (!priceable(lines)) return;
  clearError();
  $("#quote-status").textContent = "Pricing your cart…";
  if (await requote(lines)) {
    $("#quote-status").textContent = "Updated: your cart changed in another tab.";
    showError(CART_CHANGED, { focus });
  }
}

function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return "co_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The attempt for this cart + address: reused on retry so the server answers the same. */
function attemptFor(signature) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(CHECKOUT_ATTEMPT) || "null");
    if (saved && saved.signature === signature) return saved;
  } catch {
    // Fall through to a fresh attempt.
  }
  return { signature, key: randomKey(), cardToken: null };
}

function saveAttempt(a) {
  sessionStorage.setItem(CHECKOUT_ATTEMPT, JSON.stringify(a));
}

function dropAttempt() {
  sessionStorage.removeItem(CHECKOUT_ATTEMPT);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Pay again replays this attempt's key: the same checkout and hold, never a second one. */
const PAY_AGAIN = "We could not confirm your payment yet. Press Pay again to finish it; you will not be charged twice.";

/** Opens 3-D Secure; whatever Stripe.js answers (or throws), the API's confirm says next how it ended. */
async function authenticate(stripe, clientSecret) {
  try {
    await stripe.confirmCardPayment(clientSecret);
  } catch {
    // The confirm that follows reads the intent's state.
  }
}

/**
 * Asks the API how the payment ended until it knows. The API's confirm is
 * also what gives the units back and cancels the intent when the payment
 * failed (a decline, a failed 3-D Secure), so it is asked even when Stripe.js
 * already reported an error, and its sentence is the one shown.
 * `authenticated`: 3-D Secure already ran in this attempt (never opened twice).
 * Answers `{orderId}`, `{failed}` (definite: the next Pay starts afresh) or
 * `{unknown}` (the payment may still go through: the attempt is kept, so Pay
 * replays the same checkout instead of holding the card a second time).
 */
async function confirm(stripe, checkoutId, authenticated = false) {
  for (let i = 0; i < 15; i++) {
    let r;
    try {
      r = await call(`/checkout/${encodeURIComponent(checkoutId)}/confirm`, { method: "POST", body: {} });
    } catch {
      return { unknown: PAY_AGAIN };
    }
    if (r.status === 401 || r.status === 0) {
      return { unknown: "Your session has ended. Reload the page to sign in again, then press Pay: you will not be charged twice." };
    }
    if (r.status >= 500) return { unknown: PAY_AGAIN };
    if (!r.ok) return { failed: sentence(errorMessage(r.data, NOT_CONFIRMED)) };
    const s = r.data.status;
    if (s === "authorized") return { orderId: r.data.orderId };
    if (s === "failed") return { failed: r.data.message || NOT_CONFIRMED };
    if (s === "requires_action" && r.data.clientSecret) {
      // Still waiting for the bank after 3-D Secure ran (its window failed to
      // load, or was closed): Pay again opens it again for the same checkout.
      if (authenticated) return { unknown: PAY_AGAIN };
      await authenticate(stripe, r.data.clientSecret);
      authenticated = true;
      continue;
    }
    await sleep(1000);
  }
  return { unknown: "Your payment is still processing. Check your orders in a minute, or press Pay again: you will not be charged twice." };
}

async function pay(stripe, card, lines) {
  clearError();
  if (!validateFields(form)) {
    // Each field says what is wrong beside it (and the first one has focus).
    return;
  }
  const data = new FormData(form);
  const address = {};
  for (const k of ["name", "line1", "line2", "city", "postalCode", "country"]) address[k] = String(data.get(k) || "").trim();
  const orderLines = lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
  if (!shown) return;
  if (linesKey(orderLines) !== linesKey(shown.lines)) {
    // Changed in another tab since the summary was priced (and not followed yet).
    await followCart(lines, { focus: true });
    return;
  }
  const expectedTotal = shown.total;
  const attempt = attemptFor(JSON.stringify([orderLines, address, expectedTotal]));

  payButton.disabled = true;
  paying = true;
  statusBox.textContent = "Checking your card…";
  let leaving = false;
  try {
    if (!attempt.cardToken) {
      const { token, error } = await cardToken(stripe, card);
      if (error) {
        showCardError(error, card);
        return;
      }
      attempt.cardToken = token.id;
    }
    saveAttempt(attempt);
    let r;
    try {
      // An earlier request with this key still at work answers 409
      // checkout_in_progress: ask again with the same key (never a new one).
      for (let tries = 0; tries < 5; tries += 1) {
        r = await call("/checkout", {
          method: "POST",
          headers: { "Idempotency-Key": attempt.key },
          body: { lines: orderLines, address, cardToken: attempt.cardToken, expectedTotal },
        });
        if (!(r.status === 409 && r.data?.error?.code === "checkout_in_progress")) break;
      }
    } catch {
      showError("The network failed. Press Pay again to retry; you will not be charged twice.");
      return;
    }
    if (r.status === 409 && r.data?.error?.code === "checkout_in_progress") {
      showError("Your payment is still being processed. Press Pay again in a moment; you will not be charged twice.");
      return;
    }
    if (r.status === 401 || r.status === 0) {
      showError("Your session has ended. Reload the page to sign in again; your cart is kept.");
      return;
    }
    if (r.status === 409 && r.data?.error?.code === "price_changed" && r.data.quote) {
      // Nothing was held: show the new total and ask again.
      dropAttempt();
      showQuote(r.data.quote);
      showError(`The price has changed: the total is now ${formatMoney(r.data.quote.total)}. Please check it and press Pay again.`);
      return;
    }
    if (r.status === 409 && ["sold_out", "product_retired"].includes(r.data?.error?.code)) {
      // Nothing was held and no card touched: the server's sentence names
      // the product. As when the page opens on such a cart: the reason and
      // the way back to the cart, no Pay button for what cannot be reserved.
      dropAttempt();
      cannotPay(sentence(errorMessage(r.data, "Part of your cart has sold out")) + " Please change your cart and come back.", { focus: true });
      return;
    }
    if (!r.ok) {
      // A definite answer: the next attempt needs a new card token and a new key.
      if (r.status < 500) dropAttempt();
      showError(sentence(errorMessage(r.data, "Checkout failed. Please try again.")));
      return;
    }
    const authenticated = r.data.status === "requires_action";
    if (authenticated) {
      statusBox.textContent = "Your bank asks you to confirm the payment…";
      // A failed or abandoned 3-D Secure is not told here: the confirm
      // below tells the API, which releases the units at once and answers
      // the sentence to show.
      await authenticate(stripe, r.data.clientSecret);
    }
    statusBox.textContent = "Confirming your order…";
    const result = await confirm(stripe, r.data.checkoutId, authenticated);
    if (result.orderId) {
      dropAttempt();
      sessionStorage.setItem(LAST_ORDER, JSON.stringify({ id: result.orderId, at: Date.now() }));
      leaving = true;
      clearCart();
      location.assign(`/checkout/done/?order=${encodeURIComponent(result.orderId)}`);
      return;
    }
    if (result.failed) dropAttempt();
    showError(result.failed || result.unknown);
  } catch {
    // Whatever threw (a script, the browser), the shopper is never left on
    // "Checking your card…": the attempt is kept, so Pay again replays it.
    showError(PAY_AGAIN);
  } finally {
    paying = false;
    payButton.disabled = !shown;
    if (!leaving) statusBox.textContent = "";
  }
}

/** The order this tab placed in the last few minutes, if any (older ones are forgotten). */
function lastOrder() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(LAST_ORDER) || "null");
  } catch {
    // Not ours to read (an older format): forget it.
  }
  if (saved && typeof saved.id === "string" && Date.now() - saved.at < LAST_ORDER_FOR_MS) return saved.id;
  sessionStorage.removeItem(LAST_ORDER);
  return null;
}

/** Nothing to pay for: the empty cart, and the order this tab just placed if there is one. */
function emptyCart() {
  shown = null;
  $("#checkout-order").hidden = true;
  form.hidden = true;
  $("#checkout-problem").hidden = true;
  $("#checkout-empty").hidden = false;
  const placed = lastOrder();
  if (!placed) return;
  $("#placed-id").textContent = placed;
  $("#placed-link").href = `/checkout/done/?order=${encodeURIComponent(placed)}`;
  $("#checkout-placed").hidden = false;
}

function main() {
  const lines = readCart();
  if (!priceable(lines)) return;
  requote(lines);
  if (typeof window.Stripe !== "function") {
    showError("The payment form could not load. Please reload the page.");
    payButton.disabled = true;
    return;
  }
  const stripe = window.Stripe(form.dataset.stripeKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!paying) pay(stripe, card, readCart());
  });
  // Cleared after a card error once the shopper types in the card again.
  card.on?.("change", () => {
    cardError.hidden = true;
  });
  // Another tab changed the cart: follow it at once (this tab's own write, after paying, is
  // ignored), also from an empty or unpayable cart (nothing shown), which it may make payable.
  onCartChange((now) => {
    if (paying) return;
    if (!shown || linesKey(now) !== linesKey(shown.lines)) followCart(now, { focus: false });
  });
}

// Back to this page from the order's page may show it from the back/forward
// cache as it was before paying: load it afresh (the cart is empty by then).
window.addEventListener("pageshow", (e) => {
  if (e.persisted) location.reload();
});

main();
