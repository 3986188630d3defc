//! Percent-encoding for query strings and `application/x-www-form-urlencoded` bodies.

/// Encodes a value for a query string or form body (everything but unreserved characters).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(hex(b >> 4));
            out.push(hex(b & 15));
        }
    }
    out
}

fn hex(n: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(n)])
}

fn unhex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (and `+` as space when `plus` is set); invalid escapes stay as they
/// are, invalid UTF-8 is replaced.
pub(crate) fn decode(s: &str, plus: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match (
                bytes.get(i + 1).copied().and_then(unhex),
                bytes.get(i + 2).copied().and_then(unhex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded value of the first `name=` parameter in a query string.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k, true) == name).then(|| decode(v, true))
    })
}

/// Builds a form body or query string from pairs.
pub(crate) fn pairs(items: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in items {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

/// Whether `s` holds an ASCII control character (below 0x20, or DEL): eight bytes at a time,
/// since the edge checks a browser's whole `Cookie` header on every request.
pub fn has_control(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // A byte below 0x20 (its high bit clear), or a byte equal to 0x7f.
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let del = x ^ (ONES * 0x7f);
        let del = del.wrapping_sub(ONES) & !del & HIGHS;
        if below | del != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b < 0x20 || b == 0x7f)
}

#[cfg(test)]
mod control_tests {
    use super::has_control;

    #[test]
    fn finds_every_control_character_at_every_position() {
        assert!(!has_control(""));
        assert!(!has_control("plain ascii; a=b; ~!é漢字 and 0x7e~"));
        for c in (0u8..0x20).chain([0x7f]) {
            for len in 0..20 {
                for at in 0..len {
                    let mut s = vec![b'a'; len];
                    s[at] = c;
                    let s = String::from_utf8(s).unwrap_or_default();
                    assert!(has_control(&s), "{c:#x} at {at} of {len}");
                }
            }
        }
        for c in 0x20u8..0x7f {
            let s = String::from_utf8(vec![c; 17]).unwrap_or_default();
            assert!(!has_control(&s), "{c:#x}");
        }
    }
}
