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

#[cfg(test)]
mod tests {
    use super::normalize_path;

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
