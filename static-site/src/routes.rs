//! The site's paths: one place that knows where each page lives, both as the
//! URL path a browser asks for and as the file under the output directory.
//!
//! Shopper pages and the admin area (`/admin/…`, [`crate::admin`]).

use shop::{Category, Sku};

/// The home page: categories and featured products.
pub const HOME: &str = "/";
/// The cart page (public, the cart lives in localStorage).
pub const CART: &str = "/cart/";
/// The checkout page (protected by the edge).
pub const CHECKOUT: &str = "/checkout/";
/// The order confirmation page, `?order=<id>` (protected).
pub const CHECKOUT_DONE: &str = "/checkout/done/";
/// The account page (protected; visiting it is how a shopper signs in).
pub const ACCOUNT: &str = "/account/";
/// The account's order list (protected).
pub const ACCOUNT_ORDERS: &str = "/account/orders/";
/// The back office: the product table (admin group only, like everything under `/admin/`).
pub const ADMIN: &str = "/admin/";
/// The new-product form.
pub const ADMIN_PRODUCT_NEW: &str = "/admin/products/new/";
/// The product edit form, `?sku=<SKU>`.
pub const ADMIN_PRODUCT_EDIT: &str = "/admin/products/edit/";
/// Orders by status, with ship and refund.
pub const ADMIN_ORDERS: &str = "/admin/orders/";
/// Users and their admin right.
pub const ADMIN_STAFF: &str = "/admin/staff/";
/// The audit trail, a day at a time.
pub const ADMIN_AUDIT: &str = "/admin/audit/";
/// The page CloudFront answers with for a missing object.
pub const NOT_FOUND: &str = "/404.html";
/// The edge's sign-out path.
pub const SIGN_OUT: &str = "/auth/signout";
/// The search index: every product, compact, for the header search.
pub const SEARCH_INDEX: &str = "/data/search.json";
/// The sitemap for crawlers.
pub const SITEMAP: &str = "/sitemap.xml";
/// Crawler rules.
pub const ROBOTS: &str = "/robots.txt";
/// The site's icon (browsers ask for it whether a page links it or not).
pub const FAVICON: &str = "/favicon.ico";

/// The product page of `sku`.
pub fn product(sku: &Sku) -> String {
    format!("/p/{sku}/")
}

/// The listing page of `category`.
pub fn category(category: &Category) -> String {
    format!("/c/{category}/")
}

/// The JSON of a category's products, for filtering and loading more.
pub fn category_data(category: &Category) -> String {
    format!("/data/c/{category}.json")
}

/// The URL of an image object key (`KIT-001.svg` → `/images/KIT-001.svg`).
pub fn image(key: &str) -> String {
    format!("/images/{key}")
}

/// The file, relative to the output directory, that serves a site path:
/// `/` → `index.html`, `/p/X/` → `p/X/index.html`, `/robots.txt` → `robots.txt`.
pub fn file_for(path: &str) -> String {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_owned()
    }
}

/// The inverse of [`file_for`]: the URL path of an output file, using the
/// directory form for `index.html` (`p/X/index.html` → `/p/X/`).
pub fn path_for(file: &str) -> String {
    let file = file.trim_start_matches('/');
    match file.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => format!("/{dir}"),
        _ => format!("/{file}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths_to_files_and_back() {
        for (path, file) in [
            ("/", "index.html"),
            ("/p/KIT-001/", "p/KIT-001/index.html"),
            ("/robots.txt", "robots.txt"),
            ("/data/c/kitchen.json", "data/c/kitchen.json"),
        ] {
            assert_eq!(file_for(path), file);
            assert_eq!(path_for(file), path);
        }
        assert_eq!(path_for("404.html"), "/404.html");
        assert_eq!(path_for("notindex.html"), "/notindex.html");
    }
}
