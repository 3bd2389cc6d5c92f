//! `application/x-www-form-urlencoded` bodies (the token endpoint's requests).

use std::borrow::Cow;

/// A request's form fields, borrowed from the body where no escape needs decoding (an
/// assertion never does). A repeated field keeps its last value, as a map would.
pub struct Form<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> Form<'a> {
    pub fn parse(body: &'a [u8]) -> Form<'a> {
        Form(form_urlencoded::parse(body).collect())
    }

    /// The field's last value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded_and_a_repeated_field_keeps_its_last_value() {
        let form = Form::parse(b"scope=a%2Fb+c&client_id=one&client_id=two&empty=");
        assert_eq!(form.get("scope"), Some("a/b c"));
        assert_eq!(form.get("client_id"), Some("two"));
        assert_eq!(form.get("empty"), Some(""));
        assert_eq!(form.get("missing"), None);
        assert!(matches!(form.0[1].1, Cow::Borrowed("one")));
    }
}
