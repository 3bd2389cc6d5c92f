use super::*;
use crate::Uuid;
use crate::audit::AuditEntry;
use crate::devops::{ConnectionState, IssuerGeneration, Scheme};
use crate::federation::TOKEN_EXCHANGE_AUDIENCE;
use crate::testing::fic;

fn line(f: &Finding) -> (Status, Option<&'static str>) {
    (f.status, f.code)
}

#[test]
fn connection_state_table() {
    let cases = [
        (ConnectionState::Ready, "", Status::Ok, None),
        (
            ConnectionState::Draft,
            "add the credential",
            Status::Fail,
            Some("ConnectionNotReady"),
        ),
        (
            ConnectionState::Ready,
            "renamed",
            Status::Warn,
            Some("SubjectChanged"),
        ),
        (
            ConnectionState::Ready,
            "The service connection moved from the legacy issuer 'https://h/app.vstoken' to its organization's issuer 'https://h/o'.",
            Status::Warn,
            Some("IssuerChanged"),
        ),
    ];
    for (state, msg, status, code) in cases {
        let f = connection_state(
            state,
            msg,
            Scheme::WorkloadIdentityFederation,
            IssuerGeneration::EntraId,
        );
        assert_eq!(line(&f), (status, code), "{state} {msg}");
        assert_eq!(f.fix.is_some(), code.is_some());
    }
}

#[test]
fn identity_table() {
    let facts = |p, a| IdentityFacts {
        display_name: "app".into(),
        principal_enabled: p,
        app_enabled: a,
    };
    let cases = [
        (None, Status::Fail, Some("700016")),
        (Some(facts(true, Some(true))), Status::Ok, None),
        (Some(facts(true, None)), Status::Ok, None),
        (
            Some(facts(false, Some(true))),
            Status::Fail,
            Some("7000112"),
        ),
        (
            Some(facts(true, Some(false))),
            Status::Fail,
            Some("7000112"),
        ),
    ];
    for (f, status, code) in cases {
        assert_eq!(line(&identity("c", "t", f.as_ref())), (status, code));
    }
}

#[test]
fn secrets_table() {
    let now = 1_000_000_000;
    let day = 86_400;
    let cases: [(&[(i64, i64)], Status); 5] = [
        (&[], Status::Fail),
        (&[(now - day, now - 1)], Status::Fail),
        (&[(now - day, now + 10 * day)], Status::Warn),
        (
            &[(now - day, now + 10 * day), (now, now + 90 * day)],
            Status::Ok,
        ),
        (&[(now + 10 * day, now + 90 * day)], Status::Fail),
    ];
    for (windows, status) in cases {
        let f = secrets("app", windows, now);
        assert_eq!(f.status, status, "{windows:?}");
        if status != Status::Ok {
            assert_eq!(f.code, Some("7000222"));
        }
    }
}

#[test]
fn policy_and_cloud_table() {
    let open = FederationPolicy {
        enabled: true,
        allowed_issuers_for_apps: None,
        allowed_issuers_for_managed_identities: None,
    };
    assert_eq!(line(&policy(&open, false, "https://i")), (Status::Ok, None));
    assert_eq!(
        policy(&open, false, "https://i").finding,
        "The tenant's policy allows federation from https://i for an app registration."
    );
    assert_eq!(
        policy(&open, true, "https://i").finding,
        "The tenant's policy allows federation from https://i for a managed identity."
    );
    let off = FederationPolicy {
        enabled: false,
        ..open.clone()
    };
    assert_eq!(
        line(&policy(&off, false, "https://i")),
        (Status::Fail, Some("700223"))
    );
    let apps_only = FederationPolicy {
        allowed_issuers_for_apps: Some(vec!["https://other".into()]),
        ..open.clone()
    };
    assert_eq!(
        line(&policy(&apps_only, false, "https://i")),
        (Status::Fail, Some("700238"))
    );
    assert_eq!(
        line(&policy(&apps_only, true, "https://i")),
        (Status::Ok, None)
    );
    assert_eq!(
        line(&cloud(Cloud::Public, Cloud::Public)),
        (Status::Ok, None)
    );
    let f = cloud(Cloud::Public, Cloud::China);
    assert_eq!(line(&f), (Status::Fail, Some("900382")));
    assert!(f.finding.contains("china"), "{}", f.finding);
}

#[test]
fn credential_table_with_nearest_diff() {
    let aud = vec![TOKEN_EXCHANGE_AUDIENCE.to_string()];
    let p = Presented {
        issuer: "https://i",
        subject: "sc://org/web/conn",
        audiences: &aud,
    };
    let cases: Vec<(Vec<FederatedCredential>, Status, Option<&str>)> = vec![
        (
            vec![fic(
                "https://i",
                "sc://org/web/conn",
                TOKEN_EXCHANGE_AUDIENCE,
            )],
            Status::Ok,
            None,
        ),
        (vec![], Status::Fail, Some("70025")),
        (
            vec![fic(
                "https://j",
                "sc://org/web/conn",
                TOKEN_EXCHANGE_AUDIENCE,
            )],
            Status::Fail,
            Some("700211"),
        ),
        (
            vec![fic(
                "https://i",
                "sc://org/web/old",
                TOKEN_EXCHANGE_AUDIENCE,
            )],
            Status::Fail,
            Some("700213"),
        ),
        (
            vec![fic(
                "https://i",
                "sc://org/Web/conn",
                TOKEN_EXCHANGE_AUDIENCE,
            )],
            Status::Fail,
            Some("7002138"),
        ),
        (
            vec![fic("https://i", "sc://org/web/conn", "api://other")],
            Status::Fail,
            Some("70021"),
        ),
    ];
    for (fics, status, code) in cases {
        let f = credential(&fics, &p, "app", "name", |_| false);
        assert_eq!(line(&f), (status, code));
        if code.is_some() && !fics.is_empty() {
            assert!(f.detail["nearestCredential"]["differs"].is_array());
        }
    }
    let f = credential(
        &[fic(
            "https://i",
            "sc://org/Web/conn",
            TOKEN_EXCHANGE_AUDIENCE,
        )],
        &p,
        "app",
        "name",
        |_| false,
    );
    let d = &f.detail["nearestCredential"]["firstDifference"];
    assert_eq!(d["field"], "subject");
    assert_eq!(d["at"], 9);
    assert_eq!(d["configured"], "Web/conn");
    assert_eq!(d["expected"], "web/conn");
}

#[test]
fn roles_table() {
    let covering = vec![("Contributor".to_string(), "/subscriptions/s".to_string())];
    let facts = |covering: &[(String, String)], allowed| {
        line(&roles(&RoleFacts {
            client_id: "c",
            object_id: "o",
            scope: "/subscriptions/s",
            action: "Microsoft.Resources/subscriptions/read",
            covering,
            allowed,
        }))
    };
    assert_eq!(facts(&covering, true), (Status::Ok, None));
    assert_eq!(
        facts(&[], false),
        (Status::Warn, Some("AuthorizationFailed"))
    );
    assert_eq!(
        facts(&covering, false),
        (Status::Warn, Some("AuthorizationFailed"))
    );
}

#[test]
fn pipelines_table() {
    let referencing = vec![(1, "deploy".to_string()), (2, "nightly".to_string())];
    let facts = |all, authorized: &[i64]| {
        pipelines(&PipelineFacts {
            organization: "contoso",
            project: "web",
            connection: "conn",
            connection_id: "id",
            all_pipelines: all,
            authorized,
            referencing: &referencing,
        })
    };
    assert_eq!(
        facts(true, &[]).iter().map(line).collect::<Vec<_>>(),
        [(Status::Ok, None)]
    );
    assert_eq!(
        facts(false, &[1, 2]).iter().map(line).collect::<Vec<_>>(),
        [(Status::Ok, None)]
    );
    let warn = facts(false, &[1]);
    assert_eq!(warn.len(), 1);
    assert_eq!(
        line(&warn[0]),
        (Status::Warn, Some("PipelineNotAuthorized"))
    );
    assert!(warn[0].finding.contains("nightly"));
}

#[test]
fn organization_table() {
    let web = vec![("web".to_string(), "Readers".to_string())];
    let facts = |devops_use, level, projects: &[(String, String)]| {
        line(&organization(&OrganizationFacts {
            devops_use,
            tenant: "t",
            object_id: "o",
            access_level: level,
            projects,
            project: ("pid", "web"),
        }))
    };
    assert_eq!(facts(false, None, &[]), (Status::Ok, None));
    assert_eq!(facts(true, None, &[]), (Status::Warn, Some("TF401444")));
    assert_eq!(
        facts(true, Some("Basic"), &[]),
        (Status::Warn, Some("VS800075"))
    );
    assert_eq!(facts(true, Some("Basic"), &web), (Status::Ok, None));
}

fn audit(at: i64, decision: &str, code: Option<&str>) -> AuditEntry {
    AuditEntry {
        id: Uuid::new_v4(),
        at,
        kind: "token".into(),
        decision: decision.into(),
        code: code.map(String::from),
        tenant_id: None,
        client_id: None,
        connection_id: None,
        issuer: None,
        subject: Some("sc://a/b/c".into()),
        audience: None,
        correlation_id: None,
        trace_id: None,
        detail: json!({"nearestCredential": {"name": "c1", "differs": ["subject"]}}),
    }
}

#[test]
fn denials_table() {
    assert_eq!(
        denials(&[]).iter().map(line).collect::<Vec<_>>(),
        [(Status::Ok, None)]
    );
    let open = denials(&[audit(10, "denied", Some("700213"))]);
    assert_eq!(line(&open[0]), (Status::Warn, Some("700213")));
    assert!(
        open[0].finding.contains("nearest credential 'c1'"),
        "{}",
        open[0].finding
    );
    assert!(open[0].fix.is_some());
    let resolved = denials(&[
        audit(20, "granted", None),
        audit(10, "denied", Some("700213")),
    ]);
    assert_eq!(resolved.len(), 1);
    assert_eq!(line(&resolved[0]), (Status::Ok, Some("700213")));
    // A grant of another kind (the job's ID token) resolves nothing.
    let mut oidc = audit(20, "granted", None);
    oidc.kind = "oidc".into();
    let open = denials(&[oidc, audit(10, "denied", Some("700213"))]);
    assert_eq!(line(&open[0]), (Status::Warn, Some("700213")));
    let many: Vec<AuditEntry> = (0..9).map(|i| audit(i, "denied", Some("70021"))).collect();
    assert_eq!(denials(&many).len(), MAX_DENIALS);
}

#[test]
fn overall_is_the_worst() {
    assert_eq!(overall(&[]), Status::Ok);
    let ok = Finding::ok("x", "fine");
    let fail = identity("c", "t", None);
    assert_eq!(overall(std::slice::from_ref(&ok)), Status::Ok);
    assert_eq!(overall(&[ok, fail]), Status::Fail);
}

#[test]
fn a_legacy_issuer_warns_and_says_how_to_move() {
    let f = legacy_issuer("https://k/app.vstoken", "https://k/0f1e");
    assert_eq!(f.status, Status::Warn);
    assert_eq!(f.code, Some("LegacyIssuer"));
    assert_eq!(
        f.finding,
        "The service connection uses the legacy issuer https://k/app.vstoken, which names no organization. Edit and save the connection to move it to the issuer of its organization, https://k/0f1e; federated credentials keyless created follow, others must be updated by the identity's owner."
    );
}
