//! Where the edge may send a browser after login: a path on this host, never elsewhere.

use crate::form;

/// Returns `candidate` if it is a path on this host that every browser reads as such, `None`
/// otherwise. Refuses scheme-relative (`//evil`), backslash (`/\evil`), absolute URLs,
/// control characters and whitespace, and the same tricks percent-encoded (up to three times).
pub fn safe_local_path(candidate: &str) -> Option<String> {
    let mut current = candidate.to_owned();
    for round in 0..4 {
        if !looks_local(&current, round == 0) {
            return None;
        }
        if !current.contains('%') {
            return Some(candidate.to_owned());
        }
        let next = form::decode(&current, false);
        if next == current {
            return Some(candidate.to_owned());
        }
        current = next;
    }
    None
}

/// `raw`: the string as it will appear in `Location` (no whitespace at all); decoded rounds
/// may hold spaces (`%20`) but never control characters or backslashes.
fn looks_local(s: &str, raw: bool) -> bool {
    let b = s.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && !s
            .chars()
            .any(|c| c == '\\' || c.is_control() || (raw && c.is_whitespace()))
        && s.len() <= 2048
}

#[cfg(test)]
mod tests {
    use super::safe_local_path;

    #[test]
    fn local_paths_pass() {
        for p in ["/", "/account/", "/p/sku-1/?x=1&y=%20", "/c/a%2Fb/"] {
            assert_eq!(safe_local_path(p).as_deref(), Some(p));
        }
    }

    #[test]
    fn anything_that_could_leave_the_host_is_refused() {
        for p in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "\\\\evil.example",
            "/%2Fevil.example",
            "%2F%2Fevil.example",
            "/%5Cevil",
            "/%252F%252Fevil.example",
            "/%25252F%25252Fevil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "javascript:alert(1)",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_local_path(p), None, "{p:?} must be refused");
        }
    }
}
