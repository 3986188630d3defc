//! The page templates (askama, compiled into the binary) and the functions
//! that fill them. Each function returns a page's HTML; writing files is the
//! caller's job ([`crate::render`]).
//!
//! Shopper pages only for now; admin pages (`/admin/…`) will get their own
//! module beside this one, sharing [`Chrome`] and `base.html`.

use askama::Template;
use serde::Serialize;
use shop::{Category, Country, Currency, Product, Sku};

use crate::assets::Assets;
use crate::config::SiteConfig;
use crate::error::SiteError;
use crate::routes;
use crate::view::{CategoryLink, ProductView, countries, srcset};

/// What every page shares: configuration, asset URLs, the category menu.
#[derive(Debug)]
pub struct Chrome<'a> {
    /// The site's settings.
    pub config: &'a SiteConfig,
    /// Categories for the menu, sorted by slug.
    pub categories: &'a [CategoryLink],
    /// URL of the style sheet.
    pub css: &'a str,
    /// URL of the script every page runs.
    pub app_js: &'a str,
    /// URL of the shared module, preloaded.
    pub lib_js: &'a str,
    assets: &'a Assets,
}

impl<'a> Chrome<'a> {
    /// The chrome for a render with these categories.
    pub fn new(config: &'a SiteConfig, categories: &'a [CategoryLink]) -> Chrome<'a> {
        let assets = Assets::get();
        Chrome {
            config,
            categories,
            css: assets.url("site.css"),
            app_js: assets.url("app.js"),
            lib_js: assets.url("lib.js"),
            assets,
        }
    }

    fn script(&self, logical: &str) -> &'a str {
        self.assets.url(logical)
    }
}

/// Title, description and path of a page, for `<head>` and the menu.
#[derive(Debug)]
pub struct Meta<'a> {
    /// Page title (the site name is appended).
    pub title: &'a str,
    /// Meta description.
    pub description: &'a str,
    /// The page's site path, for the canonical link.
    pub path: &'a str,
    /// `data-page` on `<body>`: which behaviour the scripts switch on.
    pub page: &'a str,
    /// The category slug the page belongs to ("" for none), marks the menu.
    pub category: &'a str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
    featured: &'a [ProductView<'a>],
}

#[derive(Template)]
#[template(path = "category.html")]
struct CategoryPage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
    category: &'a CategoryLink,
    cards: &'a [ProductView<'a>],
    data_url: &'a str,
}

struct GalleryImage {
    url: String,
    srcset: String,
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
    v: &'a ProductView<'a>,
    category: &'a CategoryLink,
    gallery: Vec<GalleryImage>,
    json_ld: ProductJsonLd<'a>,
}

#[derive(Template)]
#[template(path = "cart.html")]
struct CartPage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
    script: &'a str,
}

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutPage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
    script: &'a str,
    countries: Vec<Country>,
}

#[derive(Template)]
#[template(path = "done.html")]
struct DonePage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
    script: &'a str,
    /// [`crate::admin::country_names`] as JSON: the shipping address's country by name.
    countries: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
    script: &'a str,
    show_profile: bool,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage<'a> {
    chrome: &'a Chrome<'a>,
    meta: Meta<'a>,
}

#[derive(Template)]
#[template(path = "sitemap.xml")]
struct Sitemap<'a> {
    base: &'a str,
    urls: &'a [String],
}

fn render(t: &impl Template, page: &str) -> Result<String, SiteError> {
    t.render().map_err(|source| SiteError::Template {
        page: page.to_owned(),
        source,
    })
}

/// The home page: category links and featured products.
pub fn home(chrome: &Chrome<'_>, featured: &[ProductView<'_>]) -> Result<String, SiteError> {
    let description = format!(
        "{}: homeware and gifts, sold off while stock lasts.",
        chrome.config.site_name
    );
    let page = HomePage {
        chrome,
        meta: Meta {
            title: "Home",
            description: &description,
            path: routes::HOME,
            page: "home",
            category: "",
        },
        featured,
    };
    render(&page, routes::HOME)
}

/// A category's listing page with its first `cards` (the rest load from JSON).
pub fn category(
    chrome: &Chrome<'_>,
    category: &CategoryLink,
    cards: &[ProductView<'_>],
) -> Result<String, SiteError> {
    let description = format!(
        "{} at {}: {} products.",
        category.title, chrome.config.site_name, category.count
    );
    let data_url = routes::category_data(&category.slug);
    let page = CategoryPage {
        chrome,
        meta: Meta {
            title: &category.title,
            description: &description,
            path: &category.url,
            page: "category",
            category: category.slug.as_str(),
        },
        category,
        cards,
        data_url: &data_url,
    };
    render(&page, &category.url)
}

/// A product's page, with JSON-LD `Product` and Open Graph tags.
pub fn product(
    chrome: &Chrome<'_>,
    v: &ProductView<'_>,
    category: &CategoryLink,
) -> Result<String, SiteError> {
    let mut buf = String::new();
    product_into(&mut buf, chrome, v, category)?;
    Ok(buf)
}

/// [`product`] into a caller's buffer (cleared first), so a bulk render
/// reuses one allocation per thread.
pub fn product_into(
    buf: &mut String,
    chrome: &Chrome<'_>,
    v: &ProductView<'_>,
    category: &CategoryLink,
) -> Result<(), SiteError> {
    buf.clear();
    let description = meta_description(v.p);
    let page = ProductPage {
        chrome,
        meta: Meta {
            title: &v.p.name,
            description: &description,
            path: &v.url,
            page: "product",
            category: v.p.category.as_str(),
        },
        v,
        category,
        gallery: v
            .p
            .images
            .iter()
            .map(|k| GalleryImage {
                url: routes::image(k),
                srcset: srcset(k, &chrome.config.image_widths),
            })
            .collect(),
        json_ld: json_ld(chrome.config, v),
    };
    page.render_into(buf).map_err(|source| SiteError::Template {
        page: v.url.clone(),
        source,
    })
}

/// The schema.org `Product` of a product page (JSON-LD), for search engines.
#[derive(Debug, Serialize)]
pub struct ProductJsonLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    sku: &'a Sku,
    name: &'a str,
    description: &'a str,
    category: &'a Category,
    image: Vec<String>,
    url: String,
    offers: Offer<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Offer<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    price: String,
    price_currency: &'a Currency,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability: Option<&'static str>,
    url: String,
}

/// Builds the JSON-LD `Product` of a product page.
pub fn json_ld<'a>(config: &SiteConfig, v: &'a ProductView<'_>) -> ProductJsonLd<'a> {
    let url = config.absolute(&v.url);
    ProductJsonLd {
        context: "https://schema.org",
        kind: "Product",
        sku: &v.p.sku,
        name: &v.p.name,
        description: &v.p.description,
        category: &v.p.category,
        image: v
            .p
            .images
            .iter()
            .map(|k| config.absolute(&routes::image(k)))
            .collect(),
        url: url.clone(),
        offers: Offer {
            kind: "Offer",
            price: v.p.price.decimal(),
            price_currency: &v.p.price.currency,
            availability: v.badge.schema_availability(),
            url,
        },
    }
}

/// A description for `<meta>`: the product's own, cut at about 160 characters.
fn meta_description(p: &Product) -> String {
    const MAX: usize = 160;
    if p.description.chars().count() <= MAX {
        return p.description.clone();
    }
    let cut: String = p.description.chars().take(MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

/// The cart page; its content is drawn by `cart.js` from localStorage.
pub fn cart(chrome: &Chrome<'_>) -> Result<String, SiteError> {
    let page = CartPage {
        chrome,
        meta: Meta {
            title: "Cart",
            description: "Your cart.",
            path: routes::CART,
            page: "cart",
            category: "",
        },
        script: chrome.script("cart.js"),
    };
    render(&page, routes::CART)
}

/// The checkout page: address form and Stripe.js card element.
pub fn checkout(chrome: &Chrome<'_>) -> Result<String, SiteError> {
    let page = CheckoutPage {
        chrome,
        meta: Meta {
            title: "Checkout",
            description: "Pay for your order.",
            path: routes::CHECKOUT,
            page: "checkout",
            category: "",
        },
        script: chrome.script("checkout.js"),
        countries: countries(),
    };
    render(&page, routes::CHECKOUT)
}

/// The order's page, `?order=<id>` (its title follows the order's status: `account.js`).
pub fn checkout_done(chrome: &Chrome<'_>) -> Result<String, SiteError> {
    let page = DonePage {
        chrome,
        meta: Meta {
            title: "Your order",
            description: "Your order.",
            path: routes::CHECKOUT_DONE,
            page: "done",
            category: "",
        },
        script: chrome.script("account.js"),
        countries: crate::admin::country_names().to_string(),
    };
    render(&page, routes::CHECKOUT_DONE)
}

/// The account page (profile and orders) or, with `orders_only`, the order list.
pub fn account(chrome: &Chrome<'_>, orders_only: bool) -> Result<String, SiteError> {
    let (title, path, page_id) = if orders_only {
        ("Your orders", routes::ACCOUNT_ORDERS, "orders")
    } else {
        ("Your account", routes::ACCOUNT, "account")
    };
    let page = AccountPage {
        chrome,
        meta: Meta {
            title,
            description: "Your account and orders.",
            path,
            page: page_id,
            category: "",
        },
        script: chrome.script("account.js"),
        show_profile: !orders_only,
    };
    render(&page, path)
}

/// The page served for any missing path.
pub fn not_found(chrome: &Chrome<'_>) -> Result<String, SiteError> {
    let page = NotFoundPage {
        chrome,
        meta: Meta {
            title: "Not found",
            description: "Page not found.",
            path: routes::NOT_FOUND,
            page: "not-found",
            category: "",
        },
    };
    render(&page, routes::NOT_FOUND)
}

/// `sitemap.xml` listing `paths` (site paths, absolute URLs are built here).
pub fn sitemap(config: &SiteConfig, paths: &[String]) -> Result<String, SiteError> {
    render(
        &Sitemap {
            base: &config.base_url,
            urls: paths,
        },
        routes::SITEMAP,
    )
}

/// The site's icon, served at [`routes::FAVICON`] like any other file.
pub const FAVICON: &[u8] = include_bytes!("../assets/favicon.ico");

/// `robots.txt`: crawl the catalogue, not the private pages.
pub fn robots(config: &SiteConfig) -> String {
    format!(
        "User-agent: *\nDisallow: /account/\nDisallow: /checkout/\nDisallow: /admin/\nDisallow: /api/\nDisallow: /auth/\nSitemap: {}{}\n",
        config.base_url,
        routes::SITEMAP
    )
}
