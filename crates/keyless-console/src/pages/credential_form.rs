//! The Add federated credential form shared by an app registration's page (Graph) and a
//! managed identity's page (ARM): its fields, filled from a query or a post, and the body
//! each plane takes. Its markup is `templates/credential_form.html`.

use std::collections::HashMap;

use serde_json::{Value, json};

/// The audience of a federated credential for Entra's token exchange.
pub const EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The fields of the Add federated credential form.
pub struct CredentialForm {
    pub name: String,
    pub issuer: String,
    pub subject: String,
    pub audience: String,
    pub description: String,
    /// Whether the plane keeps a description (Graph does, ARM does not): the form asks for
    /// one only then.
    pub described: bool,
}

impl CredentialForm {
    /// From a query or a posted form (`get` answers empty for an absent field); the audience
    /// is the token exchange's when none is given.
    pub fn from(described: bool, get: impl Fn(&str) -> String) -> CredentialForm {
        let audience = match get("audience").trim() {
            "" => EXCHANGE_AUDIENCE.to_string(),
            a => a.to_string(),
        };
        CredentialForm {
            name: get("name").trim().into(),
            issuer: get("issuer").trim().into(),
            subject: get("subject").trim().into(),
            audience,
            description: if described {
                get("description").trim().into()
            } else {
                String::new()
            },
            described,
        }
    }

    /// Filled from a page's query: only its `issuer`, `subject` and `name` (a connection's
    /// details link with them).
    pub fn from_query(described: bool, q: &HashMap<String, String>) -> CredentialForm {
        CredentialForm::from(described, |k| match k {
            "issuer" | "subject" | "name" => q.get(k).cloned().unwrap_or_default(),
            _ => String::new(),
        })
    }

    /// Empty, with the token exchange's audience.
    pub fn empty(described: bool) -> CredentialForm {
        CredentialForm::from(described, |_| String::new())
    }

    /// Graph's create body (no description when none is given).
    pub fn graph_body(&self) -> Value {
        let mut b = json!({
            "name": self.name,
            "issuer": self.issuer,
            "subject": self.subject,
            "audiences": [self.audience],
        });
        if !self.description.is_empty() {
            b["description"] = json!(self.description);
        }
        b
    }

    /// ARM's body of `PUT …/federatedIdentityCredentials/{name}` (the name is in the path).
    pub fn arm_body(&self) -> Value {
        json!({"properties": {
            "issuer": self.issuer,
            "subject": self.subject,
            "audiences": [self.audience],
        }})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(k: &str) -> String {
        match k {
            "name" => " c ".into(),
            "issuer" => "https://i".into(),
            "subject" => "sc://o/p/c".into(),
            "description" => "d".into(),
            _ => String::new(),
        }
    }

    #[test]
    fn the_form_defaults_the_audience_and_leaves_out_no_description() {
        let mut f = CredentialForm::from(true, filled);
        f.description.clear();
        assert_eq!(
            f.graph_body(),
            json!({"name": "c", "issuer": "https://i", "subject": "sc://o/p/c",
                   "audiences": ["api://AzureADTokenExchange"]})
        );
    }

    #[test]
    fn arms_body_holds_the_properties_and_no_description() {
        let f = CredentialForm::from(false, filled);
        assert_eq!(f.description, "");
        assert_eq!(
            f.arm_body(),
            json!({"properties": {"issuer": "https://i", "subject": "sc://o/p/c",
                   "audiences": ["api://AzureADTokenExchange"]}})
        );
    }

    #[test]
    fn a_query_fills_only_issuer_subject_and_name() {
        let q: HashMap<String, String> = [("issuer", "i"), ("audience", "x"), ("name", "n")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let f = CredentialForm::from_query(true, &q);
        assert_eq!((f.issuer.as_str(), f.name.as_str()), ("i", "n"));
        assert_eq!(f.audience, EXCHANGE_AUDIENCE);
    }
}
