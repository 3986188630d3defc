//! Every rendered page works under the CSP's `script-src 'self'` (sam/template.yaml's
//! policies, the edge's `responses.rs` locally): no inline event handler attribute
//! (`onsubmit="…"`, which the browser refuses to run, so a form then really submits) and no
//! inline script but JSON-LD data. Handlers belong in the page's module script.

mod common;

use common::{config, demo, read};
use static_site::{files, render_site};

/// The inline event handler attributes (`on…=`) in `html`'s tags.
fn inline_handlers(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|tag| tag.split('>').next())
        .filter(|tag| tag.starts_with(|c: char| c.is_ascii_alphabetic()))
        .flat_map(|tag| tag.split_ascii_whitespace().skip(1))
        .filter(|attr| {
            attr.strip_prefix("on").is_some_and(|rest| {
                rest.split_once('=').is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase())
                })
            })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_scanner_finds_an_inline_handler() {
    assert_eq!(
        inline_handlers(r#"<p>on=1</p><form class="x" onsubmit="return false"><a href="/on">"#),
        ["onsubmit=\"return"]
    );
    assert!(inline_handlers(r#"<input data-on="1" aria-label="turn on" value="on=1">"#).is_empty());
}

#[test]
fn no_page_has_an_inline_handler_or_script() {
    let dir = tempfile::tempdir().unwrap();
    render_site(&demo(), &config(), dir.path()).unwrap();
    let pages: Vec<String> = files::list(dir.path())
        .unwrap()
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .collect();
    assert!(pages.iter().any(|p| p.starts_with("admin/")), "{pages:?}");
    for rel in &pages {
        let html = read(dir.path(), rel);
        assert_eq!(inline_handlers(&html), Vec::<String>::new(), "{rel}");
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            assert!(
                tag.contains(" src=") || tag.contains("type=\"application/ld+json\""),
                "{rel}: inline script {tag}"
            );
        }
    }
}
