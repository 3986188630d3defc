//! The browser assets (scripts and the style sheet), embedded in the binary at
//! compile time and given content-hashed names (`app.3f9c2a1b7d.js`) so CDNs
//! and browsers may cache them for a year.
//!
//! Scripts are ES modules that import `./lib.js`; the import specifiers are
//! rewritten to the hashed names before the importer itself is hashed, so a
//! change to `lib.js` also renames every module that imports it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// Source files in dependency order: a module comes after what it imports.
const SOURCES: &[(&str, &str)] = &[
    ("lib.js", include_str!("../assets/lib.js")),
    ("app.js", include_str!("../assets/app.js")),
    ("cart.js", include_str!("../assets/cart.js")),
    ("checkout.js", include_str!("../assets/checkout.js")),
    ("account.js", include_str!("../assets/account.js")),
    ("admin.js", include_str!("../assets/admin.js")),
    ("site.css", include_str!("../assets/site.css")),
];

/// Hex digits of the content hash kept in a file name.
const HASH_LEN: usize = 10;

/// One asset ready to write: its hashed file name and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// The source name, e.g. `app.js`.
    pub logical: &'static str,
    /// The URL path, e.g. `/assets/app.3f9c2a1b7d.js`.
    pub path: String,
    /// The content as served.
    pub body: String,
}

/// The hashed assets of this build and the lookup from source name to URL.
#[derive(Debug)]
pub struct Assets {
    list: Vec<Asset>,
    urls: BTreeMap<&'static str, usize>,
}

impl Assets {
    fn build() -> Assets {
        let mut list: Vec<Asset> = Vec::with_capacity(SOURCES.len());
        for &(logical, source) in SOURCES {
            let mut body = source.to_owned();
            for done in &list {
                let from = format!("\"./{}\"", done.logical);
                let hashed = done.path.trim_start_matches("/assets/");
                body = body.replace(&from, &format!("\"./{hashed}\""));
            }
            let digest = hex::encode(Sha256::digest(body.as_bytes()));
            let (stem, ext) = logical.rsplit_once('.').unwrap_or((logical, ""));
            let path = format!("/assets/{stem}.{}.{ext}", &digest[..HASH_LEN]);
            list.push(Asset {
                logical,
                path,
                body,
            });
        }
        let urls = list
            .iter()
            .enumerate()
            .map(|(i, a)| (a.logical, i))
            .collect();
        Assets { list, urls }
    }

    /// The assets of this binary, hashed once.
    pub fn get() -> &'static Assets {
        static ASSETS: LazyLock<Assets> = LazyLock::new(Assets::build);
        &ASSETS
    }

    /// The URL path of a source asset (`"app.js"` → `/assets/app.<hash>.js`).
    ///
    /// # Panics
    /// If `logical` is not one of the embedded sources: a programming error.
    pub fn url(&self, logical: &str) -> &str {
        match self.urls.get(logical) {
            Some(&i) => &self.list[i].path,
            None => panic!("no asset named {logical}"),
        }
    }

    /// Every asset, for writing to the output directory.
    pub fn all(&self) -> &[Asset] {
        &self.list
    }
}

/// True when an output file is a content-hashed asset that may be cached forever.
pub fn is_hashed_asset(file: &str) -> bool {
    let Some(name) = file.trim_start_matches('/').strip_prefix("assets/") else {
        return false;
    };
    let mut parts = name.rsplitn(3, '.');
    let (_ext, hash) = (parts.next(), parts.next());
    parts.next().is_some()
        && hash.is_some_and(|h| h.len() == HASH_LEN && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash_and_imports_follow() {
        let assets = Assets::get();
        let lib = assets.url("lib.js");
        assert!(is_hashed_asset(lib), "{lib}");
        let app = assets.all().iter().find(|a| a.logical == "app.js").unwrap();
        let lib_name = lib.trim_start_matches("/assets/");
        assert!(app.body.contains(&format!("\"./{lib_name}\"")));
        assert!(!app.body.contains("\"./lib.js\""));
        assert!(!is_hashed_asset("assets/app.js"));
        assert!(!is_hashed_asset("p/X/index.html"));
    }
}
