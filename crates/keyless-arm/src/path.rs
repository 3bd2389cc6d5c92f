//! Parsing ARM request paths, case-insensitively, into what they address.

use keyless_core::envelope::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArmPath {
    Subscriptions,
    Subscription(String),
    ResourceGroups(String),
    ResourceGroup(String, String),
    /// Scope as given (e.g. `/subscriptions/x/resourceGroups/y`), then the name.
    RoleAssignments(String),
    RoleAssignment(String, String),
    RoleDefinitions(String),
    RoleDefinition(String, String),
    /// One resource (or a child resource).
    Resource(ResourceRef),
    /// The children of one type under a resource (`…/{name}/{childType}`).
    ChildResources(ResourceRef, String),
    /// Resources of one type in a group, or in the whole subscription when `rg` is None.
    ResourcesOfType {
        sub: String,
        rg: Option<String>,
        namespace: String,
        rtype: String,
    },
    /// `…/resources`: every resource in a group or subscription.
    Resources {
        sub: String,
        rg: Option<String>,
    },
    /// `/providers` or `/subscriptions/{s}/providers`.
    Providers(Option<String>),
    /// `/subscriptions/{s}/locations`.
    Locations(String),
    ManagementGroups,
    ManagementGroup(String),
    /// A subscription's placement under a group.
    ManagementGroupSubscription(String, String),
}

/// A resource address: `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{rtype}/{name}`
/// and, for a child, `/{child type}/{child name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub sub: String,
    pub rg: String,
    pub namespace: String,
    pub rtype: String,
    pub name: String,
    pub child: Option<(String, String)>,
}

impl ResourceRef {
    /// The top-level resource's id.
    pub fn parent_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{}/{}/{}",
            self.sub, self.rg, self.namespace, self.rtype, self.name
        )
    }
    pub fn id(&self) -> String {
        match &self.child {
            Some((t, n)) => format!("{}/{t}/{n}", self.parent_id()),
            None => self.parent_id(),
        }
    }
    /// `Namespace/type` or `Namespace/type/childType`.
    pub fn full_type(&self) -> String {
        match &self.child {
            Some((t, _)) => format!("{}/{}/{t}", self.namespace, self.rtype),
            None => format!("{}/{}", self.namespace, self.rtype),
        }
    }
    /// The last name in the id.
    pub fn leaf(&self) -> &str {
        self.child
            .as_ref()
            .map(|(_, n)| n.as_str())
            .unwrap_or(&self.name)
    }
}

fn invalid(path: &str) -> ApiError {
    let path = keyless_model::catalogue::sanitize(path);
    ApiError::not_found(format!(
        "The resource path '{path}' is not supported by keyless."
    ))
}

/// ARM resource-group names: 1-90 characters of letters, digits, `_`, `-`, `.`, `(`, `)`,
/// not ending in a period.
pub fn valid_rg_name(name: &str) -> bool {
    (1..=90).contains(&name.chars().count())
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.()".contains(c))
}

/// Percent-decodes one path segment. SDKs quote names (Python's azure-core quotes every
/// path parameter with `safe=''`, so `rg(1)` arrives as `rg%281%29`); the name is the
/// decoded text. Malformed escapes and non-UTF-8 results are kept as sent, which the name
/// rules then reject.
fn decode_segment(seg: &str) -> String {
    if !seg.contains('%') {
        return seg.to_string();
    }
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| seg.to_string())
}

impl ArmPath {
    pub fn parse(path: &str) -> Result<ArmPath, ApiError> {
        let decoded: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .map(decode_segment)
            .collect();
        let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
        let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
        if let Some(i) = (0..lower.len().saturating_sub(1))
            .find(|&i| lower[i] == "providers" && lower[i + 1] == "microsoft.authorization")
        {
            let scope = format!("/{}", segs[..i].join("/"));
            let scope = if scope == "/" {
                scope
            } else {
                scope.trim_end_matches('/').to_string()
            };
            return match (
                lower.get(i + 2).map(String::as_str),
                segs.get(i + 3),
                segs.len(),
            ) {
                (Some("roleassignments"), None, _) => Ok(ArmPath::RoleAssignments(scope)),
                (Some("roleassignments"), Some(n), l) if l == i + 4 => {
                    Ok(ArmPath::RoleAssignment(scope, n.to_string()))
                }
                (Some("roledefinitions"), None, _) => Ok(ArmPath::RoleDefinitions(scope)),
                (Some("roledefinitions"), Some(n), l) if l == i + 4 => {
                    Ok(ArmPath::RoleDefinition(scope, n.to_string()))
                }
                _ => Err(invalid(path)),
            };
        }
        let parsed = ArmPath::parse_plain(path, &segs, &lower)?;
        parsed.check_types()?;
        Ok(parsed)
    }

    /// Provider namespaces and resource types in the path follow ARM's spelling, so a
    /// decoded `..` or `/` never becomes part of an id.
    fn check_types(&self) -> Result<(), ApiError> {
        use crate::validate::{namespace, resource_type};
        match self {
            ArmPath::Resource(r) | ArmPath::ChildResources(r, _) => {
                namespace(&r.namespace)?;
                resource_type(&r.rtype)?;
                if let ArmPath::ChildResources(_, t) = self {
                    resource_type(t)?;
                }
                if let Some((t, _)) = &r.child {
                    resource_type(t)?;
                }
                Ok(())
            }
            ArmPath::ResourcesOfType {
                namespace: ns,
                rtype,
                ..
            } => {
                namespace(ns)?;
                resource_type(rtype)
            }
            _ => Ok(()),
        }
    }

    fn parse_plain(path: &str, segs: &[&str], lower: &[String]) -> Result<ArmPath, ApiError> {
        let l: Vec<&str> = lower.iter().map(String::as_str).collect();
        match l.as_slice() {
            ["subscriptions"] => Ok(ArmPath::Subscriptions),
            ["subscriptions", _] => Ok(ArmPath::Subscription(segs[1].to_string())),
            ["subscriptions", _, "resourcegroups"] => {
                Ok(ArmPath::ResourceGroups(segs[1].to_string()))
            }
            ["subscriptions", _, "resourcegroups", _] => Ok(ArmPath::ResourceGroup(
                segs[1].to_string(),
                segs[3].to_string(),
            )),
            ["providers"] => Ok(ArmPath::Providers(None)),
            ["providers", "microsoft.management", "managementgroups"] => {
                Ok(ArmPath::ManagementGroups)
            }
            ["providers", "microsoft.management", "managementgroups", _] => {
                Ok(ArmPath::ManagementGroup(segs[3].to_string()))
            }
            [
                "providers",
                "microsoft.management",
                "managementgroups",
                _,
                "subscriptions",
                _,
            ] => Ok(ArmPath::ManagementGroupSubscription(
                segs[3].to_string(),
                segs[5].to_string(),
            )),
            ["subscriptions", _, "providers"] => Ok(ArmPath::Providers(Some(segs[1].to_string()))),
            ["subscriptions", _, "locations"] => Ok(ArmPath::Locations(segs[1].to_string())),
            ["subscriptions", _, "resources"] => Ok(ArmPath::Resources {
                sub: segs[1].to_string(),
                rg: None,
            }),
            ["subscriptions", _, "resourcegroups", _, "resources"] => Ok(ArmPath::Resources {
                sub: segs[1].to_string(),
                rg: Some(segs[3].to_string()),
            }),
            ["subscriptions", _, "providers", _, _] => Ok(ArmPath::ResourcesOfType {
                sub: segs[1].to_string(),
                rg: None,
                namespace: segs[3].to_string(),
                rtype: segs[4].to_string(),
            }),
            ["subscriptions", _, "resourcegroups", _, "providers", _, _] => {
                Ok(ArmPath::ResourcesOfType {
                    sub: segs[1].to_string(),
                    rg: Some(segs[3].to_string()),
                    namespace: segs[5].to_string(),
                    rtype: segs[6].to_string(),
                })
            }
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                _,
                _,
                rest @ ..,
            ] if rest.len() <= 2 => {
                let r = ResourceRef {
                    sub: segs[1].to_string(),
                    rg: segs[3].to_string(),
                    namespace: segs[5].to_string(),
                    rtype: segs[6].to_string(),
                    name: segs[7].to_string(),
                    child: (rest.len() == 2).then(|| (segs[8].to_string(), segs[9].to_string())),
                };
                if [&r.namespace, &r.rtype, &r.name]
                    .iter()
                    .any(|x| x.is_empty())
                {
                    return Err(invalid(path));
                }
                if rest.len() == 1 {
                    Ok(ArmPath::ChildResources(r, segs[8].to_string()))
                } else {
                    Ok(ArmPath::Resource(r))
                }
            }
            _ => Err(invalid(path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_case_insensitively() {
        let cases = [
            ("/subscriptions", ArmPath::Subscriptions),
            (
                "/subscriptions/abc/resourcegroups/RG1",
                ArmPath::ResourceGroup("abc".into(), "RG1".into()),
            ),
            (
                "/subscriptions/abc/resourceGroups",
                ArmPath::ResourceGroups("abc".into()),
            ),
            (
                "/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/n1",
                ArmPath::RoleAssignment("/subscriptions/abc/resourceGroups/rg".into(), "n1".into()),
            ),
            (
                "/providers/Microsoft.Authorization/roleDefinitions",
                ArmPath::RoleDefinitions("/".into()),
            ),
        ];
        for (path, want) in cases {
            assert_eq!(ArmPath::parse(path).unwrap(), want, "{path}");
        }
        assert!(ArmPath::parse("/subscriptions/abc/bogus").is_err());
        assert!(
            ArmPath::parse(
                "/subscriptions/a/providers/Microsoft.Authorization/roleAssignments/x/y"
            )
            .is_err()
        );
    }

    #[test]
    fn segments_are_percent_decoded() {
        assert_eq!(
            ArmPath::parse("/subscriptions/abc/resourceGroups/rg%281%29").unwrap(),
            ArmPath::ResourceGroup("abc".into(), "rg(1)".into())
        );
        assert_eq!(decode_segment("caf%C3%A9"), "café");
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("a%2"), "a%2");
        assert_eq!(decode_segment("%zz"), "%zz");
        assert_eq!(decode_segment("%FF"), "%FF");
    }

    #[test]
    fn resource_group_names() {
        assert!(valid_rg_name("rg-1.a_(b)"));
        assert!(!valid_rg_name("rg."));
        assert!(!valid_rg_name(""));
        assert!(!valid_rg_name(&"a".repeat(91)));
        assert!(!valid_rg_name("a/b"));
    }
}
