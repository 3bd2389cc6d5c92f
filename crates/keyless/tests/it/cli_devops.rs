//! An identity's Entra token presented to the Azure DevOps REST API, as `keyless audit` and
//! `keyless doctor` show it: refused while the identity is not a user of the organization
//! (TF401444), granted once it is, refused for a project it is not a member of (VS800075).
#![allow(clippy::unwrap_used)]

use crate::harness;

use harness::{Server, block_on, serve, text};

const DEVOPS_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";

/// GETs `path` of the server with `token`: the HTTP status.
fn status_of(s: &Server, token: &str, path: &str) -> u16 {
    block_on(async {
        s.http()
            .get(format!("{}{path}", s.origin))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

/// The kind, decision and code columns of each row of `keyless audit` (after its time).
fn rows(printed: &str) -> Vec<Vec<String>> {
    printed
        .lines()
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .take(3)
                .map(String::from)
                .collect()
        })
        .collect()
}

#[test]
fn audit_and_doctor_show_azure_devops_access_granted_and_refused() {
    let s = serve();
    let env = s.env();
    let token = block_on(s.demo_access_token(DEVOPS_SCOPE))["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(status_of(&s, &token, "/contoso/_apis/projects"), 401);
    let out = s.client(&["org", "identity", "add", "contoso", &env["AZURE_CLIENT_ID"]]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(status_of(&s, &token, "/contoso/_apis/projects"), 200);
    assert_eq!(status_of(&s, &token, "/contoso/_apis/projects/web"), 404);

    let out = s.client(&["audit", "--kind", "devops"]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    let rows = rows(&t);
    for want in [
        ["devops", "denied", "TF401444"],
        ["devops", "granted", "-"],
        ["devops", "denied", "VS800075"],
    ] {
        assert!(rows.iter().any(|r| r == &want), "{want:?} in:\n{t}");
    }
    assert!(
        t.contains("identity demo-deploy (") && t.contains(") organization contoso project web"),
        "{t}"
    );

    let out = s.client(&["doctor", "contoso", "web", "demo-connection"]);
    let t = text(&out);
    assert!(
        t.contains("devops denied with VS800075 in organization contoso, project web"),
        "{t}"
    );
    assert!(
        t.contains("devops denied with TF401444 in organization contoso (granted since)"),
        "{t}"
    );
}
