//! Fixtures the unit tests share.

use crate::Uuid;
use crate::directory::FederatedCredential;

/// A federated credential `c1` of a nil parent with one audience.
pub(crate) fn fic(issuer: &str, subject: &str, aud: &str) -> FederatedCredential {
    FederatedCredential {
        id: Uuid::new_v4(),
        parent_id: Uuid::nil(),
        name: "c1".into(),
        issuer: issuer.into(),
        subject: Some(subject.into()),
        audiences: vec![aud.into()],
        description: None,
        claims_matching_expression: None,
        created_at: 0,
    }
}
