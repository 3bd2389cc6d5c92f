//! What a personal access token may be used for. A token carries scopes: `full` (anything
//! its user may do), `read` (reading everywhere), and one per management area: `directory`
//! (Graph and the admin API's tenants, users, roles, guests), `resources` (subscriptions and
//! a user's ARM access token),
//! `connections` (organizations, projects, pipelines and the Azure DevOps REST API). An area
//! scope covers reads and writes in its area. The user's own rights still apply on top.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PatScope {
    Full,
    Read,
    Directory,
    Resources,
    Connections,
}

impl PatScope {
    pub const ALL: [PatScope; 5] = [
        PatScope::Full,
        PatScope::Read,
        PatScope::Directory,
        PatScope::Resources,
        PatScope::Connections,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PatScope::Full => "full",
            PatScope::Read => "read",
            PatScope::Directory => "directory",
            PatScope::Resources => "resources",
            PatScope::Connections => "connections",
        }
    }

    pub fn parse(s: &str) -> Option<PatScope> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// May a token with `scopes` make a request in `area` (`None`: keyless' own API outside
/// any area, such as tokens themselves), writing or only reading? Unknown scope strings
/// grant nothing.
pub fn pat_permits(scopes: &[String], area: Option<PatScope>, write: bool) -> bool {
    scopes
        .iter()
        .filter_map(|s| PatScope::parse(s))
        .any(|s| match s {
            PatScope::Full => true,
            PatScope::Read => !write,
            area_scope => area == Some(area_scope),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use PatScope as S;

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn table() {
        #[rustfmt::skip]
        let rows: &[(&[&str], Option<S>, bool, bool)] = &[
            (&["full"], Some(S::Directory), true, true),
            (&["full"], None, true, true),
            (&["read"], Some(S::Directory), false, true),
            (&["read"], Some(S::Directory), true, false),
            (&["read"], Some(S::Connections), false, true),
            (&["read"], None, true, false),
            (&["directory"], Some(S::Directory), true, true),
            (&["directory"], Some(S::Directory), false, true),
            (&["directory"], Some(S::Resources), false, false),
            (&["directory"], Some(S::Connections), true, false),
            (&["resources"], Some(S::Resources), true, true),
            (&["connections"], Some(S::Connections), true, true),
            (&["connections"], None, true, false),
            (&["read", "connections"], Some(S::Directory), false, true),
            (&["read", "connections"], Some(S::Directory), true, false),
            (&[], Some(S::Directory), false, false),
            (&["admin"], Some(S::Directory), false, false),
        ];
        for (s, area, write, want) in rows {
            assert_eq!(
                pat_permits(&scopes(s), *area, *write),
                *want,
                "{s:?} {area:?} write={write}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for s in PatScope::ALL {
            assert_eq!(PatScope::parse(s.as_str()), Some(s));
        }
        assert_eq!(PatScope::parse("Full"), None);
    }
}
