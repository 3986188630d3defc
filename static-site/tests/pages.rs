//! The rendered demo catalogue: every page is there, links resolve, text is
//! escaped, prices read right and no stock is shown, JSON-LD parses.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{config, demo, json_ld, product_mut, read};
use shop::{Category, Currency, Money, Product, ProductStatus, Sku};
use static_site::{files, render_product_change, render_site, routes};

fn rendered(products: &[Product]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    render_site(products, &config(), dir.path()).unwrap();
    files::copy_tree(&common::demo_images(), &dir.path().join("images")).unwrap();
    dir
}

#[test]
fn every_page_of_the_demo_catalogue_renders() {
    let products = demo();
    let dir = rendered(&products);
    let summary = render_site(&products, &config(), dir.path()).unwrap();
    let categories: BTreeSet<&Category> = products.iter().map(|p| &p.category).collect();
    // products + categories + home, cart, checkout, done, account, orders, 404 + admin pages
    assert_eq!(
        summary.pages,
        products.len() + categories.len() + 7 + static_site::admin::PAGES.len()
    );
    for p in &products {
        let html = read(dir.path(), &routes::file_for(&routes::product(&p.sku)));
        assert!(
            html.contains(&format!("<h1 id=\"product-name\">{}</h1>", escape(&p.name))),
            "{}",
            p.sku
        );
    }
    for c in &categories {
        assert!(
            dir.path()
                .join(routes::file_for(&routes::category(c)))
                .is_file()
        );
        let data: serde_json::Value = serde_json::from_str(&read(
            dir.path(),
            &routes::file_for(&routes::category_data(c)),
        ))
        .unwrap();
        // Listings drop retired products (their pages stay, marked unavailable).
        let n = products
            .iter()
            .filter(|p| &p.category == *c && p.status != shop::ProductStatus::Retired)
            .count();
        assert_eq!(data["items"].as_array().unwrap().len(), n);
    }
    for path in [
        routes::HOME,
        routes::CART,
        routes::CHECKOUT,
        routes::CHECKOUT_DONE,
        routes::ACCOUNT,
        routes::ACCOUNT_ORDERS,
        routes::NOT_FOUND,
        routes::SITEMAP,
        routes::ROBOTS,
        routes::SEARCH_INDEX,
        routes::FAVICON,
    ] {
        assert!(dir.path().join(routes::file_for(path)).is_file(), "{path}");
    }
    let index: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "data/search.json")).unwrap();
    assert_eq!(index["items"].as_array().unwrap().len(), products.len());
    let sitemap = read(dir.path(), "sitemap.xml");
    assert!(sitemap.contains("<loc>https://shop.example/p/KIT-001/</loc>"));
    assert!(read(dir.path(), "robots.txt").contains("Sitemap: https://shop.example/sitemap.xml"));
    // Featured products are on the home page, others are not.
    let home = read(dir.path(), "index.html");
    assert!(home.contains("/p/KIT-009/"), "featured KIT-009 on home");
    assert!(!home.contains("/p/KIT-002/"), "KIT-002 is not featured");
}

fn escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Every `href="…"`, `src="…"`, `srcset` URL and `data-source` in `html`.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\"", "srcset=\"", "data-source=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            let value = &rest[..end];
            if attr == "srcset=\"" {
                out.extend(
                    value
                        .split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .map(str::to_owned),
                );
            } else {
                out.push(value.to_owned());
            }
        }
    }
    out
}

/// True when a site path resolves to a file of the rendered site.
fn resolves(root: &Path, link: &str) -> bool {
    let path = link.split(['?', '#']).next().unwrap_or_default();
    let file = routes::file_for(path);
    root.join(&file).is_file()
        || (!path.ends_with('/')
            && root
                .join(path.trim_start_matches('/'))
                .join("index.html")
                .is_file())
}

#[test]
fn all_internal_links_resolve() {
    let products = demo();
    let dir = rendered(&products);
    let mut checked = 0;
    let mut broken = Vec::new();
    for rel in files::list(dir.path()).unwrap() {
        if !rel.ends_with(".html") {
            continue;
        }
        let html = read(dir.path(), &rel);
        for link in links(&html) {
            let internal = link.starts_with('/') && !link.starts_with("//");
            // Paths served by the edge or the API, not by the bucket.
            let edge = link.starts_with("/auth/") || link.starts_with("/api/");
            if !internal || edge || link == "#main" {
                continue;
            }
            checked += 1;
            if !resolves(dir.path(), &link) {
                broken.push(format!("{rel} -> {link}"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    assert!(checked > 500, "only {checked} links checked");

    // Module imports between the hashed scripts resolve too.
    for rel in files::list(&dir.path().join("assets")).unwrap() {
        let js = read(&dir.path().join("assets"), &rel);
        let mut rest = js.as_str();
        while let Some(i) = rest.find("from \"./") {
            rest = &rest[i + "from \"./".len()..];
            let name = &rest[..rest.find('"').unwrap()];
            assert!(
                dir.path().join("assets").join(name).is_file(),
                "{rel} imports {name}"
            );
        }
    }
    // Category JSON references product images that exist.
    let data: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "data/search.json")).unwrap();
    for item in data["items"].as_array().unwrap() {
        assert!(
            resolves(dir.path(), item["img"].as_str().unwrap()),
            "{item}"
        );
    }
}

fn product(sku: &str, name: &str, price: Money, stock: u32) -> Product {
    Product {
        sku: Sku::parse(sku).unwrap(),
        name: name.to_owned(),
        description: "Plain description.".to_owned(),
        category: Category::parse("kitchen").unwrap(),
        price,
        stock,
        status: ProductStatus::Active,
        images: vec![format!("{sku}.jpg")],
        featured: true,
        version: 1,
    }
}

#[test]
fn product_text_renders_inert() {
    let mut evil = product(
        "EVIL-1",
        "<script>alert(1)</script>",
        Money::new(100, Currency::Eur),
        3,
    );
    evil.description = "</script><script>alert(2)</script><img src=x onerror=alert(3)>".to_owned();
    evil.images = vec!["x\" onerror=\"alert(4).jpg".to_owned()];
    let products = vec![
        evil.clone(),
        product("OK-1", "Fine", Money::new(100, Currency::Eur), 1),
    ];
    let dir = tempfile::tempdir().unwrap();
    render_site(&products, &config(), dir.path()).unwrap();
    for rel in ["p/EVIL-1/index.html", "c/kitchen/index.html", "index.html"] {
        let html = read(dir.path(), rel);
        assert!(!html.contains("<script>alert"), "{rel}");
        assert!(!html.contains("<img src=x"), "{rel}");
        assert!(!html.contains("\" onerror=\""), "{rel}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{rel}"
        );
    }
    let page = read(dir.path(), "p/EVIL-1/index.html");
    // The JSON-LD block is not closed early and still carries the exact text.
    let ld = json_ld(&page);
    assert_eq!(ld["name"], evil.name);
    assert_eq!(ld["description"], evil.description);
    // The JSON the scripts read carries it as a string (they insert with textContent).
    let data: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "data/c/kitchen.json")).unwrap();
    assert_eq!(data["items"][0]["name"], evil.name);
}

#[test]
fn prices_are_formatted_per_currency() {
    let products = vec![
        product("EUR-1", "Euro thing", Money::new(1999, Currency::Eur), 5),
        product("JPY-1", "Yen thing", Money::new(500, Currency::Jpy), 5),
        product("GBP-1", "Pound thing", Money::new(250, Currency::Gbp), 5),
        product("CHF-1", "Franc thing", Money::new(1250, Currency::Chf), 5),
        product("USD-1", "Dollar thing", Money::new(5, Currency::Usd), 5),
    ];
    let dir = tempfile::tempdir().unwrap();
    render_site(&products, &config(), dir.path()).unwrap();
    for (sku, shown, decimal, code) in [
        ("EUR-1", "€19.99", "19.99", "EUR"),
        ("JPY-1", "¥500", "500", "JPY"),
        ("GBP-1", "£2.50", "2.50", "GBP"),
        ("CHF-1", "CHF 12.50", "12.50", "CHF"),
        ("USD-1", "$0.05", "0.05", "USD"),
    ] {
        let html = read(dir.path(), &format!("p/{sku}/index.html"));
        assert!(
            html.contains(&format!("data-testid=\"price\">{shown}</p>")),
            "{sku}"
        );
        assert!(html.contains(&format!(
            "<meta property=\"product:price:amount\" content=\"{decimal}\">"
        )));
        let ld = json_ld(&html);
        assert_eq!(ld["offers"]["price"], decimal);
        assert_eq!(ld["offers"]["priceCurrency"], code);
        assert!(
            read(dir.path(), "c/kitchen/index.html")
                .contains(&format!("data-price>{shown}</span>"))
        );
    }
}

fn add_button(html: &str) -> &str {
    let start = html
        .find("<button type=\"submit\" id=\"add-to-cart\"")
        .unwrap();
    &html[start..start + html[start..].find("</button>").unwrap()]
}

/// Every stock figure a page could carry: a badge's words, `data-stock`, a quantity `max`.
fn stock_claims(html: &str) -> Vec<&'static str> {
    [
        ">In stock<",
        ">Sold out<",
        ">Last one<",
        " left<",
        "data-stock",
        "max=\"",
        "schema.org/InStock",
        "schema.org/OutOfStock",
    ]
    .into_iter()
    .filter(|claim| html.contains(claim))
    .collect()
}

#[test]
fn pages_carry_no_stock_only_what_the_content_decides() {
    let products = demo();
    let dir = rendered(&products);
    let page = |sku: &str| read(dir.path(), &format!("p/{sku}/index.html"));

    // Sold out (KIT-003, 0), the last one (KIT-006, 1), plenty (KIT-001): the same page
    // but for the product's own content. The badge is empty (reserving its line) and
    // add-to-cart disabled until the live overlay answers; without scripts a note says why.
    for sku in ["KIT-003", "KIT-006", "KIT-001"] {
        let html = page(sku);
        assert_eq!(stock_claims(&html), Vec::<&str>::new(), "{sku} shows stock");
        assert!(html.contains(
            "class=\"badge badge-pending\" id=\"stock-badge\" data-testid=\"stock-badge\" aria-live=\"polite\"></span>"
        ));
        assert!(add_button(&html).contains(" disabled>Add to cart"));
        assert!(html.contains("<noscript>"));
        assert!(json_ld(&html)["offers"].get("availability").is_none());
    }

    // Retired is content (the owner's change re-renders the page): it says so.
    let retired = page("TAB-010");
    assert!(retired.contains(">No longer available<"));
    assert!(add_button(&retired).contains(" disabled>No longer available"));
    assert_eq!(
        json_ld(&retired)["offers"]["availability"],
        "https://schema.org/Discontinued"
    );

    // Listings and the JSON the browser filters: no stock either.
    let listing = read(dir.path(), "c/kitchen/index.html");
    assert_eq!(stock_claims(&listing), Vec::<&str>::new());
    assert!(listing.contains("badge-pending"));
    for json in ["data/c/kitchen.json", "data/search.json"] {
        let data: serde_json::Value = serde_json::from_str(&read(dir.path(), json)).unwrap();
        let items = data["items"].as_array().unwrap();
        assert!(!items.is_empty());
        for item in items {
            assert!(item.get("stock").is_none(), "{json}: {item}");
        }
    }
}

#[test]
fn json_ld_and_open_graph_describe_every_product() {
    let products = demo();
    let dir = rendered(&products);
    for p in &products {
        let html = read(dir.path(), &format!("p/{}/index.html", p.sku));
        let ld = json_ld(&html);
        assert_eq!(ld["@type"], "Product");
        assert_eq!(ld["sku"], p.sku.as_str());
        assert_eq!(ld["name"], p.name);
        assert_eq!(ld["offers"]["price"], p.price.decimal());
        assert_eq!(ld["url"], format!("https://shop.example/p/{}/", p.sku));
        assert_eq!(
            ld["image"][0],
            format!("https://shop.example/images/{}.svg", p.sku)
        );
        assert!(html.contains("<meta property=\"og:type\" content=\"product\">"));
        assert!(html.contains(&format!(
            "<meta property=\"og:url\" content=\"https://shop.example/p/{}/\">",
            p.sku
        )));
        assert!(html.contains(&format!("srcset=\"/images/{}.svg 1x\"", p.sku)));
    }
}

#[test]
fn raster_images_offer_resized_variants() {
    let products = vec![product(
        "IMG-1",
        "Pictured",
        Money::new(100, Currency::Eur),
        2,
    )];
    let dir = tempfile::tempdir().unwrap();
    render_site(&products, &config(), dir.path()).unwrap();
    let html = read(dir.path(), "p/IMG-1/index.html");
    assert!(html.contains(
        "srcset=\"/images/w400/IMG-1.jpg 400w, /images/w800/IMG-1.jpg 800w, /images/w1600/IMG-1.jpg 1600w\""
    ));
}

#[test]
fn rendering_is_deterministic_and_prunes_stale_files() {
    let mut products = demo();
    let a = rendered(&products);
    let b = rendered(&products);
    let files_a = files::list(a.path()).unwrap();
    assert_eq!(files_a, files::list(b.path()).unwrap());
    for rel in &files_a {
        let same = std::fs::read(a.path().join(rel)).unwrap()
            == std::fs::read(b.path().join(rel)).unwrap();
        assert!(same, "{rel} differs");
    }
    // A product gone from the catalogue loses its page on the next render.
    products.retain(|p| p.sku.as_str() != "KIT-002");
    render_site(&products, &config(), a.path()).unwrap();
    assert!(!a.path().join("p/KIT-002/index.html").exists());
    assert!(
        a.path().join("images/KIT-002.svg").exists(),
        "images are kept"
    );
}

#[test]
fn a_product_change_rerenders_exactly_its_pages() {
    let mut products = demo();
    let dir = rendered(&products);

    // Nothing changed (only the version): nothing rewritten.
    let before = product_mut(&mut products, "KIT-002").clone();
    product_mut(&mut products, "KIT-002").version += 1;
    let changed = product_mut(&mut products, "KIT-002").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert!(paths.is_empty(), "{paths:?}");

    // Stock alone (what every order changes): no page shows it, nothing rewritten.
    product_mut(&mut products, "KIT-002").stock = 0;
    let changed = product_mut(&mut products, "KIT-002").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert!(paths.is_empty(), "{paths:?}");

    // Price of a non-featured product: its page, its listing, its JSON, the index.
    let before = changed.clone();
    product_mut(&mut products, "KIT-002").price.amount += 50;
    let changed = product_mut(&mut products, "KIT-002").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert_eq!(
        paths,
        [
            "c/kitchen/index.html",
            "data/c/kitchen.json",
            "data/search.json",
            "p/KIT-002/index.html"
        ]
    );
    assert!(read(dir.path(), "p/KIT-002/index.html").contains(&changed.price.to_string()));

    // A featured product's price: the home page too.
    let before = product_mut(&mut products, "KIT-001").clone();
    product_mut(&mut products, "KIT-001").price.amount += 100;
    let changed = product_mut(&mut products, "KIT-001").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert!(paths.contains(&"index.html".to_owned()), "{paths:?}");
    assert!(paths.contains(&"p/KIT-001/index.html".to_owned()));
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("p/") && p != "p/KIT-001/index.html")
    );

    // Un-featuring: the home page drops it.
    let before = changed.clone();
    product_mut(&mut products, "KIT-001").featured = false;
    let changed = product_mut(&mut products, "KIT-001").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert!(paths.contains(&"index.html".to_owned()));
    assert!(!read(dir.path(), "index.html").contains("/p/KIT-001/"));

    // Moving category: both listings.
    let before = product_mut(&mut products, "KIT-004").clone();
    product_mut(&mut products, "KIT-004").category = Category::parse("tableware").unwrap();
    let changed = product_mut(&mut products, "KIT-004").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    for p in [
        "index.html",
        "c/kitchen/index.html",
        "c/tableware/index.html",
        "data/c/kitchen.json",
        "data/c/tableware.json",
    ] {
        assert!(paths.contains(&p.to_owned()), "{p} in {paths:?}");
    }

    // Retiring a non-featured product: its category's count on the home page drops, and
    // comes back when the product returns.
    let count = |dir: &std::path::Path| {
        let home = read(dir, "index.html");
        let at = home
            .find("href=\"/c/kitchen/\" data-testid=\"category-link\"")
            .expect("kitchen's count on the home page");
        let tail = &home[at..];
        let start = tail.find("<span class=\"count\">").unwrap() + "<span class=\"count\">".len();
        tail[start..start + tail[start..].find(' ').unwrap()]
            .parse::<usize>()
            .unwrap()
    };
    let listed_before = count(dir.path());
    let before = product_mut(&mut products, "KIT-002").clone();
    assert!(!before.featured);
    product_mut(&mut products, "KIT-002").status = ProductStatus::Retired;
    let changed = product_mut(&mut products, "KIT-002").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert!(paths.contains(&"index.html".to_owned()), "{paths:?}");
    assert_eq!(count(dir.path()), listed_before - 1);
    let before = changed.clone();
    product_mut(&mut products, "KIT-002").status = ProductStatus::Active;
    let changed = product_mut(&mut products, "KIT-002").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert!(paths.contains(&"index.html".to_owned()), "{paths:?}");
    assert_eq!(count(dir.path()), listed_before);

    // After all that, the directory equals a full render of the final catalogue.
    let full = rendered(&products);
    for rel in files::list(full.path()).unwrap() {
        // Bytes, not text: the favicon is binary.
        let bytes = |d: &std::path::Path| std::fs::read(d.join(&rel)).unwrap();
        assert!(bytes(dir.path()) == bytes(full.path()), "{rel} differs");
    }
}

#[test]
fn a_new_category_rerenders_the_whole_site() {
    let mut products = demo();
    let dir = rendered(&products);
    let mut p = product("NEW-1", "Brand new", Money::new(100, Currency::Eur), 2);
    p.category = Category::parse("toys").unwrap();
    products.push(p.clone());
    let paths = render_product_change(&products, &p, None, &config(), dir.path()).unwrap();
    assert!(paths.contains(&"c/toys/index.html".to_owned()));
    assert!(
        paths.contains(&"p/KIT-001/index.html".to_owned()),
        "menus changed everywhere"
    );
    assert!(read(dir.path(), "sitemap.xml").contains("/p/NEW-1/"));
}

#[test]
fn a_category_with_nothing_on_sale_leaves_the_menu_and_keeps_its_page() {
    let mut products = demo();
    let mut p = product("NEW-1", "Brand new", Money::new(100, Currency::Eur), 2);
    p.category = Category::parse("toys").unwrap();
    products.push(p);
    let dir = rendered(&products);
    let in_menu = |dir: &Path| read(dir, "p/KIT-001/index.html").contains("href=\"/c/toys/\"");
    assert!(in_menu(dir.path()));

    // Its one product retired: nothing of the category is on sale, so every page's menu and
    // the home page drop it; its listing stays, for the retired product's breadcrumb.
    let before = product_mut(&mut products, "NEW-1").clone();
    product_mut(&mut products, "NEW-1").status = ProductStatus::Retired;
    let changed = product_mut(&mut products, "NEW-1").clone();
    let paths =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert!(
        paths.contains(&"p/KIT-001/index.html".to_owned()),
        "{paths:?}"
    );
    assert!(!in_menu(dir.path()));
    assert!(!read(dir.path(), "index.html").contains("href=\"/c/toys/\""));
    assert!(read(dir.path(), "p/NEW-1/index.html").contains("href=\"/c/toys/\""));
    assert!(dir.path().join("c/toys/index.html").exists());

    // Back on sale: back in the menu.
    let before = changed.clone();
    product_mut(&mut products, "NEW-1").status = ProductStatus::Active;
    let changed = product_mut(&mut products, "NEW-1").clone();
    render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    assert!(in_menu(dir.path()));

    // The incremental renders equal a full render of the same catalogue, both ways.
    let before = product_mut(&mut products, "NEW-1").clone();
    product_mut(&mut products, "NEW-1").status = ProductStatus::Retired;
    let changed = product_mut(&mut products, "NEW-1").clone();
    render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    let full = rendered(&products);
    assert_eq!(
        files::list(dir.path()).unwrap(),
        files::list(full.path()).unwrap()
    );
    for rel in files::list(full.path()).unwrap() {
        let bytes = |d: &Path| std::fs::read(d.join(&rel)).unwrap();
        assert!(bytes(dir.path()) == bytes(full.path()), "{rel} differs");
    }
}

#[test]
fn admin_pages_are_shells_with_their_hooks() {
    let dir = rendered(&demo());
    let admin_js = static_site::assets::Assets::get()
        .url("admin.js")
        .to_owned();
    for (path, _, page) in static_site::admin::PAGES {
        let html = read(dir.path(), &routes::file_for(path));
        assert!(html.contains(&format!("data-page=\"{page}\"")), "{path}");
        assert!(html.contains(&admin_js), "{path} loads admin.js");
        assert!(html.contains("noindex"), "{path}");
        for id in ["admin-nav", "admin-error", "admin-status"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{path} #{id}");
        }
    }
    let has = |path: &str, ids: &[&str]| {
        let html = read(dir.path(), &routes::file_for(path));
        for id in ids {
            assert!(html.contains(&format!("id=\"{id}\"")), "{path} #{id}");
        }
    };
    has(
        routes::ADMIN,
        &[
            "admin-products",
            "admin-products-body",
            "stock-reason",
            "products-more",
        ],
    );
    has(
        routes::ADMIN_ORDERS,
        &[
            "order-status-filter",
            "admin-orders-body",
            "orders-more",
            "orders-empty",
        ],
    );
    has(routes::ADMIN_STAFF, &["staff", "staff-body", "staff-more"]);
    has(
        routes::ADMIN_AUDIT,
        &["audit", "audit-body", "audit-day", "audit-more"],
    );
    for form in [routes::ADMIN_PRODUCT_NEW, routes::ADMIN_PRODUCT_EDIT] {
        has(
            form,
            &[
                "product-form",
                "p-sku",
                "p-name",
                "p-price",
                "p-currency",
                "p-category",
                "p-stock",
                "p-images",
                "p-image-file",
                "p-upload",
                "p-save",
                "p-version",
            ],
        );
    }
    let robots = read(dir.path(), "robots.txt");
    assert!(robots.contains("Disallow: /admin/"));
}
