//! The `api-version` rule of every ARM request: present once, of ARM's shape
//! (`YYYY-MM-DD` with an optional `-preview`, `-alpha`, `-beta` or `-privatepreview`), and
//! dated within the versions the resource type can have. A malformed or repeated value is
//! `InvalidApiVersionParameter`; a well-formed one outside the type's versions is
//! `NoRegisteredProviderFound`. Both list the supported versions.
//!
//! ARM publishes a list per type and clients follow it closely but not exactly (the Azure
//! CLI sends previews newer than an SDK's defaults), so a version is accepted when its
//! date lies between the type's oldest listed version and the current date: versions
//! dated in the future, or before the type existed, name nothing. The lists below (the
//! versions real clients send) are what the errors show.

use crate::path::ArmPath;
use keyless_core::envelope::ApiError;

/// The oldest api-version of Azure Resource Manager.
pub const EARLIEST: &str = "2014-04-01";

const RESOURCES: &[&str] = &[
    "2025-04-01",
    "2025-03-01",
    "2024-11-01",
    "2024-07-01",
    "2024-03-01",
    "2023-07-01",
    "2022-12-01",
    "2022-09-01",
    "2022-01-01",
    "2021-04-01",
    "2021-01-01",
    "2020-10-01",
    "2020-06-01",
    "2020-01-01",
    "2019-11-01",
    "2019-10-01",
    "2019-08-01",
    "2019-07-01",
    "2019-06-01",
    "2019-05-10",
    "2019-05-01",
    "2019-03-01",
    "2018-06-01",
    "2018-05-01",
    "2018-02-01",
    "2017-08-01",
    "2017-06-01",
    "2017-05-10",
    "2016-09-01",
    "2016-07-01",
    "2016-06-01",
    "2016-02-01",
    "2015-11-01",
    "2015-01-01",
    "2014-04-01-preview",
    "2014-04-01",
];

const AUTHORIZATION: &[&str] = &[
    "2022-05-01-preview",
    "2022-04-01",
    "2021-12-01-preview",
    "2021-07-01-preview",
    "2020-10-01-preview",
    "2020-10-01",
    "2020-08-01-preview",
    "2020-04-01-preview",
    "2020-03-01-preview",
    "2019-08-01-preview",
    "2018-09-01-preview",
    "2018-07-01",
    "2018-01-01-preview",
    "2017-10-01-preview",
    "2017-05-01",
    "2016-07-01",
    "2015-07-01",
    "2015-06-01",
    "2015-05-01-preview",
    "2014-10-01-preview",
    "2014-07-01-preview",
    "2014-04-01-preview",
];

const MANAGEMENT: &[&str] = &[
    "2023-04-01",
    "2021-04-01",
    "2020-10-01",
    "2020-05-01",
    "2020-02-01",
    "2019-11-01",
    "2018-03-01-preview",
    "2018-01-01-preview",
    "2017-11-01-preview",
];

const MANAGED_IDENTITY: &[&str] = &[
    "2025-05-31-preview",
    "2025-01-31-preview",
    "2024-11-30",
    "2023-07-31-preview",
    "2023-01-31",
    "2022-01-31-preview",
    "2021-09-30-preview",
    "2018-11-30",
    "2015-08-31-preview",
];

/// The versions a request's resource type accepts: dated from the oldest listed one (or
/// [`EARLIEST`]) to today.
enum Versions {
    Listed(&'static [&'static str]),
    Dated,
}

/// The type a path addresses and its versions.
fn of(path: &ArmPath) -> (String, Versions) {
    use ArmPath as P;
    let typed = |ns: &str, t: &str| {
        let full = format!("{ns}/{t}");
        let v = if ns.eq_ignore_ascii_case("Microsoft.ManagedIdentity") {
            Versions::Listed(MANAGED_IDENTITY)
        } else {
            Versions::Dated
        };
        (full, v)
    };
    match path {
        P::RoleAssignments(_) | P::RoleAssignment(..) => (
            "Microsoft.Authorization/roleAssignments".into(),
            Versions::Listed(AUTHORIZATION),
        ),
        P::RoleDefinitions(_) | P::RoleDefinition(..) => (
            "Microsoft.Authorization/roleDefinitions".into(),
            Versions::Listed(AUTHORIZATION),
        ),
        P::ManagementGroups | P::ManagementGroup(_) | P::ManagementGroupSubscription(..) => (
            "Microsoft.Management/managementGroups".into(),
            Versions::Listed(MANAGEMENT),
        ),
        P::Resource(r) | P::ChildResources(r, _) => typed(&r.namespace, &r.rtype),
        P::ResourcesOfType {
            namespace, rtype, ..
        } => typed(namespace, rtype),
        P::ResourceGroups(_) | P::ResourceGroup(..) => (
            "Microsoft.Resources/resourceGroups".into(),
            Versions::Listed(RESOURCES),
        ),
        P::Subscriptions
        | P::Subscription(_)
        | P::Providers(_)
        | P::Locations(_)
        | P::Resources { .. } => (
            "Microsoft.Resources/subscriptions".into(),
            Versions::Listed(RESOURCES),
        ),
    }
}

/// Whether `v` has ARM's shape: a real calendar date, then an optional stage suffix.
pub fn well_formed(v: &str) -> bool {
    if !v.is_ascii() {
        return false;
    }
    let (date, stage) = v.split_at(v.len().min(10));
    let stage_ok = matches!(
        stage,
        "" | "-preview" | "-alpha" | "-beta" | "-privatepreview"
    );
    let b = date.as_bytes();
    if !stage_ok || b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = date.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// Every `api-version` value of the raw query (names compared case-insensitively).
pub fn values(raw_query: Option<&str>) -> Vec<String> {
    let Some(q) = raw_query else {
        return Vec::new();
    };
    form_urlencoded::parse(q.as_bytes())
        .filter(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// Checks the request's api-version for the type `path` addresses; `today` is
/// `YYYY-MM-DD`.
pub fn check(raw_query: Option<&str>, path: &ArmPath, today: &str) -> Result<(), ApiError> {
    let values = values(raw_query);
    let (rtype, versions) = of(path);
    let listed = match &versions {
        Versions::Listed(l) => l.join(","),
        Versions::Dated => format!("{EARLIEST} to {today}"),
    };
    let [v] = values.as_slice() else {
        if values.is_empty() {
            return Err(ApiError::new("MissingApiVersionParameter", &[]));
        }
        return Err(ApiError::new(
            "InvalidApiVersionParameter",
            &[("version", &values.join(",")), ("versions", &listed)],
        ));
    };
    if v.is_empty() {
        return Err(ApiError::new("MissingApiVersionParameter", &[]));
    }
    if !well_formed(v) {
        return Err(ApiError::new(
            "InvalidApiVersionParameter",
            &[("version", v), ("versions", &listed)],
        ));
    }
    let oldest = match versions {
        Versions::Listed(l) => l.iter().map(|x| &x[..10]).min().unwrap_or(EARLIEST),
        Versions::Dated => EARLIEST,
    };
    let date = v.get(..10).unwrap_or_default();
    let known = date >= oldest && date <= today;
    if known {
        return Ok(());
    }
    Err(ApiError::new(
        "NoRegisteredProviderFound",
        &[("version", v), ("type", &rtype), ("versions", &listed)],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        for good in [
            "2022-12-01",
            "2020-10-01-preview",
            "2024-02-29",
            "2018-01-01-privatepreview",
        ] {
            assert!(well_formed(good), "{good}");
        }
        for bad in [
            "abc",
            "",
            "2022-13-01",
            "2023-02-29",
            "2022-12-1",
            "2022-12-01-",
            "2022-12-01-Preview2",
            "2022-09-01' OR 1=1",
            "२०२२-१२-०१",
            "2022-12-01\u{0}",
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }

    fn code(q: &str, path: &str) -> Option<&'static str> {
        let p = ArmPath::parse(path).unwrap();
        check(Some(q), &p, "2026-01-15").err().map(|e| e.code())
    }

    #[test]
    fn listed_dated_repeated_and_missing() {
        let rg = "/subscriptions/s/resourceGroups/rg";
        let storage =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a";
        let cases = [
            ("api-version=2022-12-01", rg, None),
            ("API-VERSION=2022-12-01", rg, None),
            (
                "api-version=2099-01-01",
                rg,
                Some("NoRegisteredProviderFound"),
            ),
            ("api-version=2023-01-02", rg, None),
            (
                "api-version=2014-03-31",
                rg,
                Some("NoRegisteredProviderFound"),
            ),
            ("api-version=abc", rg, Some("InvalidApiVersionParameter")),
            (
                "api-version=2022-12-01&api-version=2022-12-01",
                rg,
                Some("InvalidApiVersionParameter"),
            ),
            ("api-version=", rg, Some("MissingApiVersionParameter")),
            ("x=1", rg, Some("MissingApiVersionParameter")),
            ("api-version=2023-05-01", storage, None),
            ("api-version=2026-01-15", storage, None),
            (
                "api-version=2026-01-16",
                storage,
                Some("NoRegisteredProviderFound"),
            ),
            (
                "api-version=2013-01-01",
                storage,
                Some("NoRegisteredProviderFound"),
            ),
        ];
        for (q, path, want) in cases {
            assert_eq!(code(q, path), want, "{q} {path}");
        }
    }
}
