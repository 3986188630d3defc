//! The demo catalogue shop-local loads.

#[test]
fn the_demo_catalogue_is_valid() {
    let products = shop_local::demo::load_catalogue().unwrap();
    assert!(products.len() >= 50, "about 60 products");
    let categories: std::collections::BTreeSet<_> =
        products.iter().map(|p| p.category.as_str()).collect();
    assert!(categories.len() >= 6);
    assert!(products.iter().any(|p| p.stock == 0) && products.iter().any(|p| p.stock == 1));
    for p in &products {
        for image in &p.images {
            assert!(
                shop_local::demo::images_dir().join(image).exists(),
                "missing image {image}"
            );
        }
    }
}
