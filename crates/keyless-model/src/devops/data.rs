//! The keys of a connection's `data` object that keyless itself reads and writes, behind
//! typed accessors ([`ConnectionData`], implemented for the JSON map). The map stays the
//! connection's `data` as clients and the store see it; only these accessors name its keys.

use super::vocabulary::CreationMode;
use crate::Uuid;
use serde_json::{Map, Value, json};

/// The JSON object of a connection's `data`.
pub type DataMap = Map<String, Value>;

pub const CREATION_MODE: &str = "creationMode";
pub const ENVIRONMENT: &str = "environment";
pub const SCOPE_LEVEL: &str = "scopeLevel";
pub const SCOPE: &str = "scope";
pub const SUBSCRIPTION_ID: &str = "subscriptionId";
pub const SUBSCRIPTION_NAME: &str = "subscriptionName";
pub const MANAGEMENT_GROUP_ID: &str = "managementGroupId";
pub const RESOURCE_GROUP_NAME: &str = "resourceGroupName";
pub const ML_WORKSPACE_NAME: &str = "mlWorkspaceName";
pub const ORGANIZATION_NAME: &str = "organizationName";
pub const ROLE_DEFINITION_NAME: &str = "roleDefinitionName";
pub const ROLE_DEFINITION_ID: &str = "roleDefinitionId";
pub const APP_OBJECT_ID: &str = "appObjectId";
pub const SPN_OBJECT_ID: &str = "spnObjectId";
pub const ROLE_ASSIGNMENT_ID: &str = "azureSpnRoleAssignmentId";
pub const SECRET_KEY_ID: &str = "secretKeyId";
pub const SECRET_EXPIRATION: &str = "secretExpiration";
pub const REVERT_SCHEME_DEADLINE: &str = "revertSchemeDeadline";
/// The client secret of a secret connection, sealed under the key-encryption key.
pub const SEALED_SECRET: &str = "sealedServicePrincipalKey";
/// Keys with this prefix are keyless' own bookkeeping: never rendered, kept on save.
pub const PRIVATE_PREFIX: &str = "keyless";
pub const VERIFIED_AT: &str = "keylessVerifiedAt";
pub const REVERT_UNTIL: &str = "keylessRevertUntil";
pub const CONVERTED_CREDENTIAL: &str = "keylessConvertedCredential";

/// The environment a new Azure Resource Manager connection names unless told otherwise.
pub const DEFAULT_ENVIRONMENT: &str = "AzureCloud";

/// What an automatic connection records about what it created; a save keeps them.
pub const AUTOMATIC_KEYS: [&str; 5] = [
    APP_OBJECT_ID,
    SPN_OBJECT_ID,
    ROLE_ASSIGNMENT_ID,
    SECRET_KEY_ID,
    SECRET_EXPIRATION,
];

fn text<'a>(d: &'a DataMap, key: &str) -> Option<&'a str> {
    d.get(key).and_then(Value::as_str)
}

fn id(d: &DataMap, key: &str) -> Option<Uuid> {
    text(d, key).and_then(|v| Uuid::parse_str(v).ok())
}

/// Typed access to the keys of a connection's `data` that keyless reads and writes.
pub trait ConnectionData {
    /// `creationMode` as given (not validated).
    fn creation_mode_text(&self) -> Option<&str>;
    fn set_creation_mode(&mut self, mode: CreationMode);
    fn set_environment(&mut self, environment: &str);
    /// Fills `environment` (Azure cloud) and `scopeLevel` (subscription) when absent.
    fn default_arm_scope(&mut self);
    /// A text key of the scope (`subscriptionId`, `resourceGroupName`…), untrimmed.
    fn scope_text(&self, key: &str) -> Option<&str>;
    /// `scopeLevel` as given (not validated).
    fn scope_level_text(&self) -> Option<&str>;
    fn set_subscription(&mut self, id: Uuid, name: &str);
    fn default_subscription_name(&mut self, name: &str);
    fn set_scope(&mut self, scope: &str);
    /// The organization an Azure DevOps connection reaches.
    fn organization_name(&self) -> Option<&str>;
    fn default_organization_name(&mut self, name: &str);
    fn role_definition_name(&self) -> Option<&str>;
    fn role_definition_id(&self) -> Option<&str>;
    /// What automatic creation made: app registration, principal, role assignment.
    fn set_created(&mut self, app: Uuid, principal: Uuid, role_assignment: Uuid);
    fn app_object_id(&self) -> Option<Uuid>;
    fn role_assignment_id(&self) -> Option<Uuid>;
    fn secret_key_id(&self) -> Option<Uuid>;
    /// The secret keyless made on the app registration and its end (ISO 8601).
    fn set_secret_key(&mut self, key_id: Uuid, expiration: &str);
    fn sealed_secret(&self) -> Option<&str>;
    fn set_sealed_secret(&mut self, sealed_base64: String);
    /// Removes the secret: sealed text, key id and expiration.
    fn clear_secret(&mut self);
    fn verified_at(&self) -> Option<i64>;
    fn set_verified_at(&mut self, at: i64);
    fn clear_verified_at(&mut self);
    /// Until when (Unix time) a conversion to workload identity may be reverted.
    fn revert_until(&self) -> Option<i64>;
    /// Whether a conversion to workload identity awaits completion or revert.
    fn converting(&self) -> bool;
    /// The federated credential a conversion added, if it added one.
    fn converted_credential(&self) -> Option<Uuid>;
    fn set_conversion(&mut self, until: i64, deadline: &str, added: Option<Uuid>);
    fn clear_conversion(&mut self);
    /// `data` as clients see it: without the sealed secret and keyless' bookkeeping.
    fn public(&self) -> DataMap;
    /// A save replaced `data`: puts back what clients may not change (the creation mode,
    /// keyless' bookkeeping, the sealed secret and what an automatic connection created).
    fn keep_on_save(&mut self, before: &DataMap, mode: CreationMode);
}

impl ConnectionData for DataMap {
    fn creation_mode_text(&self) -> Option<&str> {
        text(self, CREATION_MODE)
    }
    fn set_creation_mode(&mut self, mode: CreationMode) {
        self.insert(CREATION_MODE.into(), json!(mode.as_str()));
    }
    fn set_environment(&mut self, environment: &str) {
        self.insert(ENVIRONMENT.into(), json!(environment));
    }
    fn default_arm_scope(&mut self) {
        self.entry(ENVIRONMENT)
            .or_insert(json!(DEFAULT_ENVIRONMENT));
        self.entry(SCOPE_LEVEL)
            .or_insert(json!(super::automatic::ScopeLevel::Subscription.as_str()));
    }
    fn scope_text(&self, key: &str) -> Option<&str> {
        text(self, key)
    }
    fn scope_level_text(&self) -> Option<&str> {
        text(self, SCOPE_LEVEL)
    }
    fn set_subscription(&mut self, id: Uuid, name: &str) {
        self.insert(SUBSCRIPTION_ID.into(), json!(id.to_string()));
        self.insert(SUBSCRIPTION_NAME.into(), json!(name));
    }
    fn default_subscription_name(&mut self, name: &str) {
        self.entry(SUBSCRIPTION_NAME).or_insert(json!(name));
    }
    fn set_scope(&mut self, scope: &str) {
        self.insert(SCOPE.into(), json!(scope));
    }
    fn organization_name(&self) -> Option<&str> {
        text(self, ORGANIZATION_NAME)
    }
    fn default_organization_name(&mut self, name: &str) {
        self.entry(ORGANIZATION_NAME).or_insert(json!(name));
    }
    fn role_definition_name(&self) -> Option<&str> {
        text(self, ROLE_DEFINITION_NAME)
    }
    fn role_definition_id(&self) -> Option<&str> {
        text(self, ROLE_DEFINITION_ID)
    }
    fn set_created(&mut self, app: Uuid, principal: Uuid, role_assignment: Uuid) {
        self.insert(APP_OBJECT_ID.into(), json!(app.to_string()));
        self.insert(SPN_OBJECT_ID.into(), json!(principal.to_string()));
        self.insert(
            ROLE_ASSIGNMENT_ID.into(),
            json!(role_assignment.to_string()),
        );
    }
    fn app_object_id(&self) -> Option<Uuid> {
        id(self, APP_OBJECT_ID)
    }
    fn role_assignment_id(&self) -> Option<Uuid> {
        id(self, ROLE_ASSIGNMENT_ID)
    }
    fn secret_key_id(&self) -> Option<Uuid> {
        id(self, SECRET_KEY_ID)
    }
    fn set_secret_key(&mut self, key_id: Uuid, expiration: &str) {
        self.insert(SECRET_KEY_ID.into(), json!(key_id.to_string()));
        self.insert(SECRET_EXPIRATION.into(), json!(expiration));
    }
    fn sealed_secret(&self) -> Option<&str> {
        text(self, SEALED_SECRET)
    }
    fn set_sealed_secret(&mut self, sealed_base64: String) {
        self.insert(SEALED_SECRET.into(), json!(sealed_base64));
    }
    fn clear_secret(&mut self) {
        for k in [SEALED_SECRET, SECRET_KEY_ID, SECRET_EXPIRATION] {
            self.remove(k);
        }
    }
    fn verified_at(&self) -> Option<i64> {
        self.get(VERIFIED_AT).and_then(Value::as_i64)
    }
    fn set_verified_at(&mut self, at: i64) {
        self.insert(VERIFIED_AT.into(), json!(at));
    }
    fn clear_verified_at(&mut self) {
        self.remove(VERIFIED_AT);
    }
    fn revert_until(&self) -> Option<i64> {
        self.get(REVERT_UNTIL).and_then(Value::as_i64)
    }
    fn converting(&self) -> bool {
        self.contains_key(REVERT_UNTIL)
    }
    fn converted_credential(&self) -> Option<Uuid> {
        id(self, CONVERTED_CREDENTIAL)
    }
    fn set_conversion(&mut self, until: i64, deadline: &str, added: Option<Uuid>) {
        self.insert(REVERT_UNTIL.into(), json!(until));
        self.insert(REVERT_SCHEME_DEADLINE.into(), json!(deadline));
        match added {
            Some(id) => self.insert(CONVERTED_CREDENTIAL.into(), json!(id.to_string())),
            None => self.remove(CONVERTED_CREDENTIAL),
        };
    }
    fn clear_conversion(&mut self) {
        for k in [REVERT_UNTIL, CONVERTED_CREDENTIAL, REVERT_SCHEME_DEADLINE] {
            self.remove(k);
        }
    }
    fn public(&self) -> DataMap {
        self.iter()
            .filter(|(k, _)| k.as_str() != SEALED_SECRET && !k.starts_with(PRIVATE_PREFIX))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
    fn keep_on_save(&mut self, before: &DataMap, mode: CreationMode) {
        self.set_creation_mode(mode);
        for (k, v) in before {
            if k.starts_with(PRIVATE_PREFIX)
                || k == SEALED_SECRET
                || (mode == CreationMode::Automatic && AUTOMATIC_KEYS.contains(&k.as_str()))
            {
                self.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_write_the_wire_keys() {
        let mut d = DataMap::new();
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        d.set_creation_mode(CreationMode::Automatic);
        d.default_arm_scope();
        d.set_created(a, b, c);
        d.set_secret_key(c, "2030-01-01T00:00:00Z");
        d.set_sealed_secret("c2VhbGVk".into());
        d.set_verified_at(42);
        assert_eq!(d["creationMode"], "Automatic");
        assert_eq!(d["environment"], "AzureCloud");
        assert_eq!(d["scopeLevel"], "Subscription");
        assert_eq!(d["appObjectId"], a.to_string());
        assert_eq!(d["spnObjectId"], b.to_string());
        assert_eq!(d["azureSpnRoleAssignmentId"], c.to_string());
        assert_eq!(d["secretKeyId"], c.to_string());
        assert_eq!(d["secretExpiration"], "2030-01-01T00:00:00Z");
        assert_eq!(d["sealedServicePrincipalKey"], "c2VhbGVk");
        assert_eq!(d["keylessVerifiedAt"], 42);
        assert_eq!(d.app_object_id(), Some(a));
        assert_eq!(d.role_assignment_id(), Some(c));
        assert_eq!(d.verified_at(), Some(42));
        let public = d.public();
        assert!(!public.contains_key("sealedServicePrincipalKey"));
        assert!(!public.contains_key("keylessVerifiedAt"));
        assert!(public.contains_key("appObjectId"));
        d.clear_secret();
        assert!(d.sealed_secret().is_none() && d.secret_key_id().is_none());
    }

    #[test]
    fn conversion_keys() {
        let mut d = DataMap::new();
        let fic = Uuid::new_v4();
        d.set_conversion(100, "1970-01-01T00:01:40Z", Some(fic));
        assert_eq!(d["keylessRevertUntil"], 100);
        assert_eq!(d["revertSchemeDeadline"], "1970-01-01T00:01:40Z");
        assert_eq!(d.converted_credential(), Some(fic));
        d.set_conversion(100, "1970-01-01T00:01:40Z", None);
        assert_eq!(d.converted_credential(), None);
        d.clear_conversion();
        assert!(d.is_empty());
    }

    #[test]
    fn save_keeps_what_clients_may_not_change() {
        let mut before = DataMap::new();
        before.set_created(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        before.set_sealed_secret("x".into());
        before.set_verified_at(1);
        let mut manual = DataMap::new();
        manual.keep_on_save(&before, CreationMode::Manual);
        assert_eq!(manual["creationMode"], "Manual");
        assert!(manual.sealed_secret().is_some() && manual.verified_at().is_some());
        assert!(manual.app_object_id().is_none());
        let mut automatic = DataMap::new();
        automatic.keep_on_save(&before, CreationMode::Automatic);
        assert_eq!(automatic.app_object_id(), before.app_object_id());
    }
}
