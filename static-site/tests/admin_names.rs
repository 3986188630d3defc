//! The back office's script spells no name Rust defines: the order effects reach it from
//! `shop::Effect` through the page (`<meta name="order-effects">`, static-site's admin.rs), and
//! the audit actions it links (listed once in `admin.js`'s `AUDIT_ACTIONS`, as Rust has no
//! constant for them) are checked here against what `functions/src/admin` records.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{config, demo, read};
use shop::Effect;
use static_site::render_site;

const ADMIN_JS: &str = include_str!("../assets/admin.js");

/// Every string in a JSON value.
fn strings(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::String(s) => {
            out.insert(s.clone());
        }
        serde_json::Value::Object(m) => m.values().for_each(|v| strings(v, out)),
        serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The `content` of `<meta name="order-effects" …>` in `html`, unescaped.
fn effects_meta(html: &str) -> Option<String> {
    meta(html, "order-effects")
}

/// The `content` of `<meta name="{name}" …>` in `html`, unescaped.
fn meta(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!(r#"<meta name="{name}" content=""#))?;
    let rest = &html[at..].split_once("content=\"")?.1;
    let raw = &rest[..rest.find('"')?];
    Some(
        raw.replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

#[test]
fn the_admin_pages_carry_every_order_effect_from_rust() {
    let dir = tempfile::tempdir().unwrap();
    render_site(&demo(), &config(), dir.path()).unwrap();
    let html = read(dir.path(), "admin/orders/index.html");
    let meta = effects_meta(&html).expect("the orders page carries the effect names");
    let v: serde_json::Value = serde_json::from_str(&meta).unwrap();
    let mut shown = BTreeSet::new();
    strings(&v, &mut shown);
    let all: BTreeSet<String> = Effect::ALL.iter().map(|e| e.as_str().to_owned()).collect();
    assert_eq!(shown, all);
    // The names admin.js reads, under the keys it reads them by.
    assert_eq!(v["captureFailed"], "capture:failed");
    assert_eq!(v["email"]["shipped"], "email:shipped");
    assert_eq!(v["emailRejected"]["confirmed"], "email:confirmed:rejected");
}

#[test]
fn admin_js_spells_no_effect_name() {
    for e in Effect::ALL {
        for quoted in [format!("\"{e}\""), format!("'{e}'"), format!("`{e}`")] {
            assert!(
                !ADMIN_JS.contains(&quoted),
                "admin.js spells {quoted}: read it from EFFECT (the page's order-effects)"
            );
        }
    }
    assert!(!ADMIN_JS.contains("email:"), "admin.js parses effect names");
}

/// The quoted strings between `const AUDIT_ACTIONS = {` and its closing `};` in admin.js.
fn listed_audit_actions(js: &str) -> BTreeSet<String> {
    let start = js
        .find("const AUDIT_ACTIONS = {")
        .expect("admin.js lists AUDIT_ACTIONS");
    let block = &js[start..start + js[start..].find("};").unwrap()];
    block
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The audit action literals (`"order.ship"`, …) of the given kinds in `functions/src/admin`.
fn recorded_audit_actions(kinds: &[&str]) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions/src/admin");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for literal in source.split('"').skip(1).step_by(2) {
            let is_action = literal.split_once('.').is_some_and(|(kind, name)| {
                kinds.contains(&kind)
                    && !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            });
            if is_action {
                out.insert(literal.to_owned());
            }
        }
    }
    out
}

#[test]
fn admin_js_links_exactly_the_audit_actions_rust_records() {
    let listed = listed_audit_actions(ADMIN_JS);
    assert!(listed.contains("order.refund"), "{listed:?}");
    let recorded = recorded_audit_actions(&["order", "product", "stock"]);
    assert!(recorded.contains("order.refund"), "{recorded:?}");
    // Both ways: nothing listed that is never recorded (a typo, a renamed action), and every
    // order/product/stock action links to its page.
    assert_eq!(listed, recorded);
}

#[test]
fn the_block_reader_sees_a_typo() {
    let js = "const AUDIT_ACTIONS = {\n  order: [\"order.shipp\"],\n};";
    let listed = listed_audit_actions(js);
    assert_eq!(listed, BTreeSet::from(["order.shipp".to_owned()]));
    assert!(!recorded_audit_actions(&["order"]).contains("order.shipp"));
}

/// Addresses name their country as the emails and the checkout do: from `shop::COUNTRIES`,
/// through the page, not from the browser's own list.
#[test]
fn the_admin_pages_carry_the_countries_names_from_rust() {
    let dir = tempfile::tempdir().unwrap();
    render_site(&demo(), &config(), dir.path()).unwrap();
    let html = read(dir.path(), "admin/orders/index.html");
    let v: serde_json::Value =
        serde_json::from_str(&meta(&html, "countries").expect("the page carries the countries"))
            .unwrap();
    assert_eq!(v.as_object().unwrap().len(), shop::COUNTRIES.len());
    for c in shop::COUNTRIES {
        assert_eq!(v[c.code], c.name);
    }
    assert!(
        !ADMIN_JS.contains("DisplayNames"),
        "admin.js names countries from the page"
    );
}
