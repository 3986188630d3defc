//! Every rendered page works under the CSP's `script-src 'self'` (sam/template.yaml's
//! policies, the edge's `responses.rs` locally): no inline event handler attribute
//! (`onsubmit="…"`, `onClick="…"`: the browser refuses to run them, so a form then really
//! submits), no `javascript:` URL in a link, source or form action (refused the same way), and
//! no inline script but JSON-LD data. Handlers belong in the page's module script.
//!
//! HTML attribute names are case-insensitive and browsers strip blanks and control characters
//! from URLs, so the checks do too.

mod common;

use common::{config, demo, read};
use static_site::{files, render_site};

/// Each tag's attributes in `html`, as (name lower-cased, value without its quotes).
fn attributes(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        // The tag's name, then its attributes up to the tag's end.
        let mut chars = rest.char_indices().peekable();
        while chars
            .next_if(|(_, c)| !c.is_ascii_whitespace() && *c != '>' && *c != '/')
            .is_some()
        {}
        loop {
            while chars
                .next_if(|(_, c)| c.is_ascii_whitespace() || *c == '/')
                .is_some()
            {}
            let Some(&(start, c)) = chars.peek() else {
                break;
            };
            if c == '>' {
                break;
            }
            let mut end = start;
            while let Some((i, c)) =
                chars.next_if(|(_, c)| !c.is_ascii_whitespace() && !matches!(c, '=' | '>' | '/'))
            {
                end = i + c.len_utf8();
            }
            if end == start {
                // A stray character (`=` with no name): skip it.
                chars.next();
                continue;
            }
            let name = rest[start..end].to_ascii_lowercase();
            while chars.next_if(|(_, c)| c.is_ascii_whitespace()).is_some() {}
            let mut value = String::new();
            if chars.next_if(|(_, c)| *c == '=').is_some() {
                while chars.next_if(|(_, c)| c.is_ascii_whitespace()).is_some() {}
                match chars.peek().map(|&(_, c)| c) {
                    Some(q @ ('"' | '\'')) => {
                        chars.next();
                        for (_, c) in chars.by_ref() {
                            if c == q {
                                break;
                            }
                            value.push(c);
                        }
                    }
                    _ => {
                        while let Some((_, c)) =
                            chars.next_if(|(_, c)| !c.is_ascii_whitespace() && *c != '>')
                        {
                            value.push(c);
                        }
                    }
                }
            }
            out.push((name, value));
        }
        let consumed = chars.peek().map_or(rest.len(), |&(i, _)| i);
        rest = &rest[consumed..];
    }
    out
}

/// What in `html` the CSP would block: inline handler attributes (`on…=`, any case) and
/// `javascript:` URLs in `href`, `src`, `action` or `formaction`, as `name=value`.
fn blocked(html: &str) -> Vec<String> {
    attributes(html)
        .into_iter()
        .filter(|(name, value)| {
            let handler = name.strip_prefix("on").is_some_and(|event| {
                !event.is_empty() && event.chars().all(|c| c.is_ascii_alphabetic())
            });
            let url_attr = matches!(
                name.as_str(),
                "href" | "src" | "action" | "formaction" | "xlink:href"
            );
            let url: String = value
                .chars()
                .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
                .collect::<String>()
                .to_ascii_lowercase();
            handler || (url_attr && url.starts_with("javascript:"))
        })
        .map(|(name, value)| format!("{name}={value}"))
        .collect()
}

#[test]
fn the_scanner_finds_what_the_csp_blocks() {
    assert_eq!(
        blocked(r#"<p>on=1</p><form class="x" onsubmit="return false"><a href="/on">"#),
        ["onsubmit=return false"]
    );
    // Mixed case, unquoted and spaced-out attributes are still handlers.
    assert_eq!(
        blocked(
            r#"<button type=button onClick="go()">Go</button><img src=x ONERROR=alert(1)><div  onMouseOver = 'x()'>"#
        ),
        ["onclick=go()", "onerror=alert(1)", "onmouseover=x()"]
    );
    // `javascript:` URLs, in any case, with the blanks a browser ignores.
    assert_eq!(
        blocked(concat!(
            r#"<a href="JavaScript:alert(1)">a</a><a href=' java	script:void(0)'>b</a>"#,
            r#"<form action=javascript:x><button formaction="javascript:y">c</button></form>"#,
            r#"<iframe SRC="javascript:z"></iframe>"#,
        )),
        [
            "href=JavaScript:alert(1)",
            "href= java\tscript:void(0)",
            "action=javascript:x",
            "formaction=javascript:y",
            "src=javascript:z",
        ]
    );
    // Not handlers or script URLs: data attributes, words in text or other attributes, a `>`
    // inside a quoted value, paths that merely mention JavaScript.
    assert!(
        blocked(concat!(
            r#"<input data-on="1" aria-label="turn on" value="on=1" data-onclick="x">"#,
            r#"<p>onclick= is text; so is <b>javascript:</b></p><a title="javascript:no" href="/javascript-guide/">"#,
            r#"<img alt="a > b onload=x()" src="/i.jpg">"#,
        ))
        .is_empty()
    );
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
        assert_eq!(blocked(&html), Vec::<String>::new(), "{rel}");
        let lower = html.to_ascii_lowercase();
        for (at, _) in lower.match_indices("<script") {
            let tag = &lower[at..at + lower[at..].find('>').unwrap()];
            assert!(
                tag.contains(" src=") || tag.contains("type=\"application/ld+json\""),
                "{rel}: inline script {tag}"
            );
        }
    }
}
