//! Values from console URLs and forms placed into API paths and queries, encoded so that
//! none can change the path or add a parameter.

/// `s` as one path segment: everything but ASCII letters, digits, `-`, `_` and `~`
/// percent-encoded (a `.` too, so `..` stays a name).
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'~' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `pairs` with a value as a query string (`a=1&b=2`), empty values left out.
pub fn query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.trim().is_empty() {
            q.append_pair(k, v.trim());
        }
    }
    q.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cannot_leave_their_place() {
        assert_eq!(segment("web-1_a~"), "web-1_a~");
        assert_eq!(segment("a.b"), "a%2Eb");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(segment("a/b?c=d#e"), "a%2Fb%3Fc%3Dd%23e");
        assert_eq!(segment("é"), "%C3%A9");
    }

    #[test]
    fn queries_are_encoded_and_skip_empty_values() {
        assert_eq!(
            query([("code", "700213"), ("client", ""), ("x", "a&b=c d")]),
            "code=700213&x=a%26b%3Dc+d"
        );
    }
}
