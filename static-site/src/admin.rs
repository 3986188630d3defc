//! The owner's back office pages (`/admin/…`): static shells rendered with
//! the rest of the site; `assets/admin.js` fills them from the admin API.
//! The edge lets only the `admin` group in, and the API checks again.
//!
//! | path | page (`data-page`) |
//! |---|---|
//! | `/admin/` | product table with inline stock edit, retire/restore (`admin-products`) |
//! | `/admin/products/new/` | product form; photos once saved (`admin-product-new`) |
//! | `/admin/products/edit/?sku=` | product form with image upload; stock read-only (`admin-product-edit`) |
//! | `/admin/orders/` | orders by status; each opens its items, address and payment; ship and refund; `?order=<id>` that order alone (an id shaped like a ULID, else a message and the list) (`admin-orders`) |
//! | `/admin/staff/` | users, grant/revoke admin (`admin-staff`) |
//! | `/admin/audit/` | the audit trail of one day, `?day=yyyy-mm-dd` or today (UTC); order and product entries link to them (`admin-audit`) |
//!
//! The pages carry the order effects' names from [`shop::Effect`] ([`effect_names`], in
//! `<meta name="order-effects">`) and the countries' names from [`shop::COUNTRIES`]
//! ([`country_names`], in `<meta name="countries">`), so `admin.js` spells none of them
//! (`tests/admin_names.rs` checks it, and the audit actions it links against `functions/`).

use askama::Template;
use shop::{Currency, Effect, EmailKind, OrderStatus};

use crate::assets::Assets;
use crate::error::SiteError;
use crate::pages::{Chrome, Meta};
use crate::routes;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
    script: &'a str,
    statuses: Vec<&'static str>,
    currencies: &'static [&'static str],
    /// [`effect_names`] as JSON, for `admin.js` (`<meta name="order-effects">`).
    effects: String,
    /// [`country_names`] as JSON, for `admin.js` (`<meta name="countries">`).
    countries: String,
}

/// The names of the countries the shop ships to by code ([`shop::COUNTRIES`]), so an order's
/// address reads in the back office as in the emails and the checkout: `{"FR": "France", …}`.
pub fn country_names() -> serde_json::Value {
    shop::COUNTRIES
        .iter()
        .map(|c| (c.code.to_owned(), c.name.into()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The order effects' stored names ([`Effect::as_str`]) by what `admin.js` calls them, so the
/// page reads `capture:failed`, `email:shipped`, … from Rust instead of spelling them again:
/// `{"capture": "capture", "captureFailed": "capture:failed", …, "email": {"shipped":
/// "email:shipped", …}, "emailRejected": {"shipped": "email:shipped:rejected", …}}`.
pub fn effect_names() -> serde_json::Value {
    let by_kind = |effect: fn(EmailKind) -> Effect| -> serde_json::Map<String, serde_json::Value> {
        EmailKind::ALL
            .iter()
            .map(|&k| (k.as_str().to_owned(), effect(k).as_str().into()))
            .collect()
    };
    serde_json::json!({
        "stock": Effect::Stock.as_str(),
        "capture": Effect::Capture.as_str(),
        "captureFailed": Effect::CaptureFailed.as_str(),
        "cancel": Effect::Cancel.as_str(),
        "cancelFailed": Effect::CancelFailed.as_str(),
        "refund": Effect::Refund.as_str(),
        "restock": Effect::Restock.as_str(),
        "restockFailed": Effect::RestockFailed.as_str(),
        "email": by_kind(Effect::Email),
        "emailRejected": by_kind(Effect::EmailRejected),
    })
}

/// (path, title, `data-page`) of every admin page.
pub const PAGES: &[(&str, &str, &str)] = &[
    (routes::ADMIN, "Products", "admin-products"),
    (
        routes::ADMIN_PRODUCT_NEW,
        "New product",
        "admin-product-new",
    ),
    (
        routes::ADMIN_PRODUCT_EDIT,
        "Edit product",
        "admin-product-edit",
    ),
    (routes::ADMIN_ORDERS, "Orders", "admin-orders"),
    (routes::ADMIN_STAFF, "Staff", "admin-staff"),
    (routes::ADMIN_AUDIT, "Audit trail", "admin-audit"),
];

/// Every admin page as (site path, HTML).
pub fn pages(chrome: &Chrome<'_>) -> Result<Vec<(&'static str, String)>, SiteError> {
    let script = Assets::get().url("admin.js");
    let effects = effect_names().to_string();
    let countries = country_names().to_string();
    PAGES
        .iter()
        .map(|&(path, title, page)| {
            let html = AdminPage {
                chrome,
                meta: Meta {
                    title,
                    description: "The shop's back office.",
                    path,
                    page,
                    category: "",
                },
                script,
                statuses: OrderStatus::ALL.iter().map(|s| s.as_str()).collect(),
                currencies: &Currency::SUPPORTED_CODES,
                effects: effects.clone(),
                countries: countries.clone(),
            }
            .render()
            .map_err(|source| SiteError::Template {
                page: path.to_owned(),
                source,
            })?;
            Ok((path, html))
        })
        .collect()
}
