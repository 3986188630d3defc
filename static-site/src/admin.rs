//! The owner's back office pages (`/admin/…`): static shells rendered with
//! the rest of the site; `assets/admin.js` fills them from the admin API.
//! The edge lets only the `admin` group in, and the API checks again.
//!
//! | path | page (`data-page`) |
//! |---|---|
//! | `/admin/` | product table with inline stock edit, retire/restore (`admin-products`) |
//! | `/admin/products/new/` | product form; photos once saved (`admin-product-new`) |
//! | `/admin/products/edit/?sku=` | product form with image upload; stock read-only (`admin-product-edit`) |
//! | `/admin/orders/` | orders by status; each opens its items, address and payment; ship and refund (`admin-orders`) |
//! | `/admin/staff/` | users, grant/revoke admin (`admin-staff`) |
//! | `/admin/audit/` | the audit trail of one day (`admin-audit`) |

use askama::Template;
use shop::{Currency, OrderStatus};

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
