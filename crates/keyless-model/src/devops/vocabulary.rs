//! The vocabulary of service connections: endpoint type, authentication scheme, creation
//! mode and state. Each enum maps its wire text in one place (`as_str`, `parse`); serde,
//! `Display` and the store's text columns all go through that mapping.

use std::fmt;

/// Defines a vocabulary enum with its wire texts. `ignore_case`: `parse` accepts any ASCII
/// case (the text is always rendered as listed).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, ignore_case = $ignore_case:literal,
        { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire text.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value of a wire text, if it is one.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| {
                    if $ignore_case {
                        v.as_str().eq_ignore_ascii_case(s)
                    } else {
                        v.as_str() == s
                    }
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} '{}'",
                        stringify!($name),
                        text
                    ))
                })
            }
        }
    };
}

pub(super) use vocabulary;

vocabulary! {
    /// The service endpoint `type`. Case-insensitive on input; rendered in lower case.
    EndpointType, ignore_case = true, {
        /// Azure Resource Manager: the identity gets ARM tokens.
        AzureRm => "azurerm",
        /// Azure DevOps: the identity calls the Azure DevOps REST API of an organization.
        AzureDevOps => "azuredevops",
    }
}

vocabulary! {
    /// `authorization.scheme`: how the connection's identity authenticates.
    Scheme, ignore_case = false, {
        /// A federated credential: the connection's ID token is the client assertion.
        WorkloadIdentityFederation => "WorkloadIdentityFederation",
        /// A client secret (`authenticationType` `spnKey`), kept sealed in `data`.
        ServicePrincipal => "ServicePrincipal",
        /// The managed identity of the Azure VM the job's self-hosted agent runs on.
        ManagedServiceIdentity => "ManagedServiceIdentity",
    }
}

vocabulary! {
    /// `data.creationMode`: whether the user brought the identity or keyless created it.
    CreationMode, ignore_case = false, {
        Manual => "Manual",
        /// keyless created the app registration, principal, credential and role assignment.
        Automatic => "Automatic",
    }
}

vocabulary! {
    /// `operationStatus.state`.
    ConnectionState, ignore_case = false, {
        Ready => "Ready",
        /// Saved, but its identity's owner must still add the federated credential.
        Draft => "Draft",
        Failed => "Failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Serialize, de::DeserializeOwned};
    use std::fmt::Debug;

    fn round_trips<T>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + Debug + Serialize + DeserializeOwned + fmt::Display,
    {
        for &v in all {
            let text = as_str(v);
            assert_eq!(parse(text), Some(v), "{text}");
            assert_eq!(v.to_string(), text);
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json, serde_json::Value::String(text.to_string()));
            assert_eq!(serde_json::from_value::<T>(json).unwrap(), v);
        }
        assert_eq!(parse(""), None);
        assert_eq!(parse("unknown"), None);
        assert!(serde_json::from_value::<T>(serde_json::json!("unknown")).is_err());
    }

    #[test]
    fn endpoint_types() {
        round_trips(EndpointType::ALL, EndpointType::as_str, EndpointType::parse);
        assert_eq!(EndpointType::AzureRm.as_str(), "azurerm");
        assert_eq!(EndpointType::AzureDevOps.as_str(), "azuredevops");
        assert_eq!(EndpointType::parse("AzureRM"), Some(EndpointType::AzureRm));
        assert_eq!(
            EndpointType::parse("AzureDevOps"),
            Some(EndpointType::AzureDevOps)
        );
        assert_eq!(EndpointType::parse("WorkloadIdentityUser"), None);
    }

    #[test]
    fn schemes() {
        round_trips(Scheme::ALL, Scheme::as_str, Scheme::parse);
        assert_eq!(
            Scheme::WorkloadIdentityFederation.as_str(),
            "WorkloadIdentityFederation"
        );
        assert_eq!(Scheme::ServicePrincipal.as_str(), "ServicePrincipal");
        // Scheme names are matched exactly, as the create and convert bodies always were.
        assert_eq!(Scheme::parse("serviceprincipal"), None);
        assert_eq!(
            Scheme::parse("ManagedServiceIdentity"),
            Some(Scheme::ManagedServiceIdentity)
        );
        assert_eq!(Scheme::parse("managedserviceidentity"), None);
    }

    #[test]
    fn creation_modes() {
        round_trips(CreationMode::ALL, CreationMode::as_str, CreationMode::parse);
        assert_eq!(CreationMode::Manual.as_str(), "Manual");
        assert_eq!(CreationMode::Automatic.as_str(), "Automatic");
        assert_eq!(CreationMode::parse("manual"), None);
    }

    #[test]
    fn states() {
        round_trips(
            ConnectionState::ALL,
            ConnectionState::as_str,
            ConnectionState::parse,
        );
        assert_eq!(ConnectionState::Ready.as_str(), "Ready");
        assert_eq!(ConnectionState::Draft.as_str(), "Draft");
        assert_eq!(ConnectionState::Failed.as_str(), "Failed");
    }
}
