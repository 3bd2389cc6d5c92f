use super::*;

const GITHUB: &str = "https://token.actions.githubusercontent.com";
const DEVOPS: &str = "https://vstoken.dev.azure.com/org";

fn open() -> FederationPolicy {
    FederationPolicy {
        enabled: true,
        allowed_issuers_for_apps: None,
        allowed_issuers_for_managed_identities: None,
    }
}

fn off() -> FederationPolicy {
    FederationPolicy {
        enabled: false,
        ..open()
    }
}

/// Apps may use only the GitHub issuer, managed identities only Azure DevOps.
fn lists() -> FederationPolicy {
    FederationPolicy {
        enabled: true,
        allowed_issuers_for_apps: Some(vec![GITHUB.into()]),
        allowed_issuers_for_managed_identities: Some(vec![DEVOPS.into()]),
    }
}

const SINGLE: Identity<'static> = Identity::App {
    sign_in_audience: "AzureADMyOrg",
};
const MULTI: Identity<'static> = Identity::App {
    sign_in_audience: "AzureADMultipleOrgs",
};
const PERSONAL: Identity<'static> = Identity::App {
    sign_in_audience: "AzureADandPersonalMicrosoftAccount",
};
const MI: Identity<'static> = Identity::ManagedIdentity;

struct Row {
    name: &'static str,
    policy: FederationPolicy,
    identity: Identity<'static>,
    issuer: &'static str,
    issuer_cloud: Option<Cloud>,
    tenant_v2_issuer: bool,
    expected: Result<(), Refusal<'static>>,
}

fn row(name: &'static str, policy: FederationPolicy, identity: Identity<'static>) -> Row {
    Row {
        name,
        policy,
        identity,
        issuer: GITHUB,
        issuer_cloud: None,
        tenant_v2_issuer: false,
        expected: Ok(()),
    }
}

impl Row {
    fn issuer(mut self, issuer: &'static str, cloud: Option<Cloud>, tenant_v2: bool) -> Row {
        self.issuer = issuer;
        self.issuer_cloud = cloud;
        self.tenant_v2_issuer = tenant_v2;
        self
    }
    fn refused(mut self, code: &'static str, values: &[(&'static str, &'static str)]) -> Row {
        self.expected = Err(Refusal {
            code,
            values: values.to_vec(),
        });
        self
    }
}

#[test]
fn federation_policy_table() {
    let usgov = Some(Cloud::UsGovernment);
    let public = Some(Cloud::Public);
    let rows = [
        row("open policy, app", open(), SINGLE),
        row("open policy, managed identity", open(), MI),
        row("listed issuer for an app", lists(), SINGLE),
        row("listed issuer for a managed identity", lists(), MI).issuer(DEVOPS, public, false),
        row("disabled", off(), SINGLE).refused("700223", &[]),
        // The switch wins over every later check.
        row("disabled beats the other checks", off(), MULTI)
            .issuer(GITHUB, usgov, true)
            .refused("700223", &[]),
        row("issuer not listed for apps", lists(), SINGLE)
            .issuer(DEVOPS, None, false)
            .refused(
                "700238",
                &[("iss", DEVOPS), ("identity_type", "an app registration")],
            ),
        row("issuer not listed for managed identities", lists(), MI).refused(
            "700238",
            &[("iss", GITHUB), ("identity_type", "a managed identity")],
        ),
        row("issuer list beats the cloud", lists(), SINGLE)
            .issuer(DEVOPS, usgov, false)
            .refused(
                "700238",
                &[("iss", DEVOPS), ("identity_type", "an app registration")],
            ),
        row("issuer of another cloud", open(), SINGLE)
            .issuer(DEVOPS, usgov, false)
            .refused("900382", &[]),
        row("cloud beats the multitenant rule", open(), MULTI)
            .issuer(DEVOPS, usgov, true)
            .refused("900382", &[]),
        row("issuer of the tenant's cloud", open(), MULTI).issuer(DEVOPS, public, false),
        row("tenant issuer, multiple-orgs app", open(), MULTI)
            .issuer(DEVOPS, public, true)
            .refused("70052", &[]),
        row("tenant issuer, single-tenant app", open(), SINGLE).issuer(DEVOPS, public, true),
        row("tenant issuer, personal-accounts app", open(), PERSONAL).issuer(DEVOPS, public, true),
        row("tenant issuer, managed identity", open(), MI).issuer(DEVOPS, public, true),
    ];
    for r in rows {
        let facts = FederationFacts {
            policy: &r.policy,
            tenant_cloud: Cloud::Public,
            identity: r.identity,
            issuer: r.issuer,
            issuer_cloud: r.issuer_cloud,
            tenant_v2_issuer: r.tenant_v2_issuer,
        };
        assert_eq!(federation(&facts), r.expected, "{}", r.name);
    }
}

/// A name, the matching secrets' `(start, end)`, and the code expected.
type SecretCase = (
    &'static str,
    Vec<(UnixTime, UnixTime)>,
    Result<(), &'static str>,
);

#[test]
fn secret_table() {
    let now = 1_000_000;
    let day = 86_400;
    let rows: [SecretCase; 8] = [
        ("no matching secret", vec![], Err("7000215")),
        ("live", vec![(now - day, now + day)], Ok(())),
        ("expired", vec![(now - 2 * day, now - day)], Err("7000222")),
        ("ends now", vec![(now - day, now)], Err("7000222")),
        (
            "starts within the skew",
            vec![(now + 300, now + day)],
            Ok(()),
        ),
        (
            "starts after the skew",
            vec![(now + 301, now + day)],
            Err("7000222"),
        ),
        (
            "an expired and a live one",
            vec![(now - 2 * day, now - day), (now - day, now + day)],
            Ok(()),
        ),
        (
            "only expired and future ones",
            vec![(now - 2 * day, now - day), (now + day, now + 2 * day)],
            Err("7000222"),
        ),
    ];
    for (name, windows, expected) in rows {
        let got = secret("app-1", windows, now);
        assert_eq!(
            got.as_ref().map(|_| ()).map_err(|e| e.code),
            expected,
            "{name}"
        );
        if let Err(e) = got {
            assert_eq!(e.values, vec![("app_id", "app-1")], "{name}");
        }
    }
}

#[test]
fn a_refusal_renders_its_catalogue_entry() {
    let r = tenant_allows(&lists(), MI, GITHUB).unwrap_err().render();
    assert_eq!(r.code(), "700238");
    assert_eq!(
        r.message,
        format!(
            "The issuer '{GITHUB}' is not allowed for workload identity federation with a managed identity in this tenant by policy."
        )
    );
}
