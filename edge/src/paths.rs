//! Normalising request paths before rules are matched, so that `/%61dmin/`, `/api//admin/`
//! or `/p/../admin/` meet the same rule as `/admin/`.

use crate::form;

/// The path a rule is matched against: percent-decoded, backslashes read as slashes, empty
/// and `.` segments dropped, `..` segments resolved. Always starts with `/`; keeps a
/// trailing slash.
pub fn normalize_path(uri: &str) -> String {
    let decoded = if uri.contains('%') {
        form::decode(uri, false)
    } else {
        uri.to_owned()
    };
    if !decoded.contains(['\\', '.']) && !decoded.contains("//") && decoded.starts_with('/') {
        return decoded;
    }
    let unified = decoded.replace('\\', "/");
    let mut segments: Vec<&str> = Vec::new();
    for seg in unified.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(unified.len());
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    let trailing = unified.ends_with('/')
        || unified.ends_with("/.")
        || unified.ends_with("/..")
        || segments.is_empty();
    if trailing {
        out.push('/');
    }
    out
}

/// Percent-encodes a normalised path for use as a request URI or `Location`: `/`,
/// unreserved characters and RFC 3986 sub-delims (`!$&'()*+,;=:@`) stay, every other byte
/// (`%`, space, `?`, `#`, controls, non-ASCII) is escaped. Identity for ordinary paths.
pub fn encode_path(path: &str) -> String {
    const KEEP: &[u8] = b"/-._~!$&'()*+,;=:@";
    if path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || KEEP.contains(&b))
    {
        return path.to_owned();
    }
    let mut out = String::with_capacity(path.len() + 16);
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || KEEP.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{encode_path, normalize_path};

    #[test]
    fn encoding_round_trips_through_normalisation() {
        assert_eq!(encode_path("/p/SKU-1/"), "/p/SKU-1/");
        assert_eq!(encode_path("/c/tea & cake/"), "/c/tea%20&%20cake/");
        assert_eq!(encode_path("/c/caf\u{e9}/"), "/c/caf%C3%A9/");
        assert_eq!(encode_path("/a%b?c#d\r\n"), "/a%25b%3Fc%23d%0D%0A");
        for raw in ["/c/tea%20cake/", "/c/caf%C3%A9/", "/p/100%25/"] {
            assert_eq!(
                normalize_path(&encode_path(&normalize_path(raw))),
                normalize_path(raw)
            );
        }
    }

    #[test]
    fn tricks_meet_the_plain_path() {
        assert_eq!(normalize_path("/admin/x"), "/admin/x");
        assert_eq!(normalize_path("/%61dmin/x"), "/admin/x");
        assert_eq!(normalize_path("//admin//x"), "/admin/x");
        assert_eq!(normalize_path("/p/../admin/"), "/admin/");
        assert_eq!(
            normalize_path("/api/catalogue/..%2Fadmin/orders"),
            "/api/admin/orders"
        );
        assert_eq!(normalize_path("/./api\\admin"), "/api/admin");
        assert_eq!(normalize_path("/../.."), "/");
        assert_eq!(normalize_path(""), "/");
    }
}
