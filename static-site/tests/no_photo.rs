//! A product without a photo gets the "No photo" placeholder, square like a photo, on its
//! card and its page (not an empty block); a product with one does not.

mod common;

use common::{config, read};
use shop::{Category, Currency, Money, Product, ProductStatus, Sku};
use static_site::render_site;

fn product(sku: &str, name: &str, images: &[&str]) -> Product {
    Product {
        sku: Sku::parse(sku).unwrap(),
        name: name.to_owned(),
        description: "Plain description.".to_owned(),
        category: Category::parse("kitchen").unwrap(),
        price: Money::new(1200, Currency::Gbp),
        stock: 3,
        status: ProductStatus::Active,
        images: images.iter().map(|s| (*s).to_owned()).collect(),
        featured: true,
        version: 1,
    }
}

/// The placeholders of a page: (its opening tag, the letter it shows).
fn placeholders(html: &str) -> Vec<(String, String)> {
    html.match_indices("data-testid=\"no-photo\"")
        .map(|(at, _)| {
            let open = html[..at].rfind('<').unwrap();
            let tag_end = at + html[at..].find('>').unwrap();
            let marker = "<span class=\"no-photo-initial\">";
            let initial_at = tag_end + 1;
            assert!(html[initial_at..].starts_with(marker), "{}", &html[open..]);
            let initial_at = initial_at + marker.len();
            let initial_end = initial_at + html[initial_at..].find('<').unwrap();
            (
                html[open..=tag_end].to_owned(),
                html[initial_at..initial_end].to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_product_without_a_photo_shows_a_placeholder_on_its_card_and_page() {
    let products = vec![
        product("KIT-012", "pewter salt cellar", &[]),
        product("KIT-013", "Oak Board", &["KIT-013.svg"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    render_site(&products, &config(), dir.path()).unwrap();

    // The page: one placeholder, announced as an image of what is missing, no <img>.
    let page = read(dir.path(), "p/KIT-012/index.html");
    let gallery = &page[page.find("<div class=\"gallery\">").unwrap()..];
    let gallery = &gallery[..gallery.find("<div class=\"details\">").unwrap()];
    assert!(!gallery.contains("<img"), "{gallery}");
    let shown = placeholders(gallery);
    assert_eq!(shown.len(), 1, "{gallery}");
    let (tag, initial) = &shown[0];
    assert!(tag.contains("role=\"img\""), "{tag}");
    assert!(
        tag.contains("aria-label=\"No photo of pewter salt cellar yet\""),
        "{tag}"
    );
    assert_eq!(initial, "P");
    assert!(gallery.contains("No photo yet"));

    // The product with a photo shows it and no placeholder.
    let with_photo = read(dir.path(), "p/KIT-013/index.html");
    assert!(placeholders(&with_photo).is_empty());
    assert!(with_photo.contains("<img src=\"/images/KIT-013.svg\""));

    // Cards (the listing and the home page's featured): decorative, as a photo's alt="".
    for rel in ["c/kitchen/index.html", "index.html"] {
        let html = read(dir.path(), rel);
        let cards = placeholders(&html);
        assert_eq!(cards.len(), 1, "{rel}: only the photo-less product");
        let (tag, initial) = &cards[0];
        assert!(tag.contains("aria-hidden=\"true\""), "{rel}: {tag}");
        assert_eq!(initial, "P", "{rel}");
        assert!(html.contains("<img src=\"/images/KIT-013.svg\""), "{rel}");
    }
}
