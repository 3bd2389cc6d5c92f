//! An organization's owner, Project Collection Administrators, preview features and users'
//! access levels: who changes the settings, the preview feature that gates workload
//! identity connections to Azure Resource Manager, and Stakeholders creating connections.
#![allow(clippy::unwrap_used)]

use crate::common::{Expect, TestServer, message};
use crate::sc_support::*;
use crate::support::{find_item, grant_user};
use keyless_model::rbac::READER;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SETTINGS: &str = "/keyless/v1/organizations/contoso/settings";
const MEMBERS: &str = "/keyless/v1/organizations/contoso/members";
const PCA: &str = "Project Collection Administrators";
const FEATURE: &str = "Workload Identity federation for ARM service connections";

/// A DevOps refusal: status, `typeKey` and the exact message.
#[track_caller]
fn refused(got: (StatusCode, Value), status: StatusCode, type_key: &str, text: &str) {
    let (st, b) = got;
    assert_eq!(st, status, "{b}");
    assert!(b.get("$id").is_some(), "DevOps envelope: {b}");
    assert_eq!(b["typeKey"], type_key, "{b}");
    assert_eq!(message(&b), text);
}

async fn make_collection_administrator(s: &TestServer, who: &Person) {
    s.admin_created(MEMBERS, json!({"user": who.upn, "group": PCA}))
        .await;
}

async fn set_level(s: &TestServer, who: &Person, level: &str) {
    let path = format!("/keyless/v1/organizations/contoso/users/{}", who.upn);
    let (st, b) = s.admin_put(&path, json!({"accessLevel": level})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

async fn connections(s: &TestServer) -> u64 {
    s.admin_ok("/contoso/web/_apis/serviceendpoint/endpoints")
        .await["count"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn the_creator_owns_a_new_organization_and_features_default_on() {
    let s = TestServer::start().await;
    let me = s.admin_ok("/keyless/v1/me").await["user"].clone();
    let org = s
        .admin_created(
            "/keyless/v1/organizations",
            json!({"name": "fabrikam", "tenant": "contoso"}),
        )
        .await;
    assert_eq!(org["ownerId"], me["id"], "{org}");
    let settings = s
        .admin_ok("/keyless/v1/organizations/fabrikam/settings")
        .await;
    assert_eq!(settings["owner"]["user"], me["userPrincipalName"]);
    assert_eq!(
        settings["previewFeatures"],
        json!([{"id": "workload-identity-arm", "name": FEATURE, "enabled": true}])
    );
    // The demo organization came from a world file without an owner.
    let demo = s.admin_ok(SETTINGS).await;
    assert_eq!(demo["owner"], Value::Null);
    assert_eq!(demo["previewFeatures"][0]["enabled"], true);
    // An owner that is not a user is refused and nothing is created.
    let (st, _) = s
        .admin_post(
            "/keyless/v1/organizations",
            json!({"name": "northwind", "owner": "nobody@nowhere.example"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = s
        .admin_get("/keyless/v1/organizations/northwind/settings")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_owner_and_collection_administrators_change_settings() {
    let s = TestServer::start().await;
    let bob = person(&s, "bob").await;
    let alice = person(&s, "alice").await;
    let carol = person(&s, "carol").await;
    let off = json!({"previewFeatures": {"workload-identity-arm": false}});
    let before = s.admin_ok(SETTINGS).await;
    refused(
        s.patch_as(&bob.token, SETTINGS, off.clone()).await,
        StatusCode::FORBIDDEN,
        "AccessCheckException",
        "Only the organization owner and Project Collection Administrators change the settings of the organization contoso. Ask a keyless administrator.",
    );
    make_collection_administrator(&s, &alice).await;
    s.admin_patch(SETTINGS, json!({"owner": carol.upn}))
        .await
        .expect_status(StatusCode::OK);
    let names = format!(
        "Only the organization owner and Project Collection Administrators change the settings of the organization contoso. Ask {} (owner), {} or a keyless administrator.",
        carol.upn, alice.upn
    );
    refused(
        s.patch_as(&bob.token, SETTINGS, off.clone()).await,
        StatusCode::FORBIDDEN,
        "AccessCheckException",
        &names,
    );
    // Nor may he make himself a collection administrator, owner or Basic user.
    refused(
        s.post_as(&bob.token, MEMBERS, json!({"user": bob.upn, "group": PCA}))
            .await,
        StatusCode::FORBIDDEN,
        "AccessCheckException",
        &names,
    );
    let mut want = before.clone();
    want["owner"] = json!({"user": carol.upn, "userId": carol.id});
    assert_eq!(s.admin_ok(SETTINGS).await, want, "refusals changed nothing");
    assert_eq!(
        s.get_ok_as(&bob.token, MEMBERS).await["value"],
        json!([{"user": alice.upn, "userId": alice.id, "group": PCA}])
    );
    // A member of the group and the owner may.
    let v = s
        .patch_as(&alice.token, SETTINGS, off)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v["previewFeatures"][0]["enabled"], false);
    let on = json!({"previewFeatures": {FEATURE: true}});
    let v = s
        .patch_as(&carol.token, SETTINGS, on)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v["previewFeatures"][0]["enabled"], true);
    // An unknown feature is refused.
    let (st, _) = s
        .patch_as(
            &carol.token,
            SETTINGS,
            json!({"previewFeatures": {"new-boards": true}}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Removing a member.
    let q = format!("{MEMBERS}?user={}&group={PCA}", alice.upn);
    s.admin_delete(&q)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_delete(&q)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(s.admin_ok(MEMBERS).await["count"], 0);
}

#[tokio::test]
async fn a_workload_identity_arm_connection_needs_the_preview_feature() {
    let s = TestServer::start().await;
    let alice = person(&s, "alice").await;
    make_collection_administrator(&s, &alice).await;
    s.admin_patch(
        SETTINGS,
        json!({"previewFeatures": {"workload-identity-arm": false}}),
    )
    .await
    .expect_status(StatusCode::OK);
    let before = connections(&s).await;
    for body in [
        demo_manual_body(&s, "wif"),
        automatic_body(&s, "auto", "WorkloadIdentityFederation"),
    ] {
        refused(
            create_as(&s, &s.var("KEYLESS_TOKEN"), body).await,
            StatusCode::BAD_REQUEST,
            "ServiceEndpointException",
            &format!(
                "The preview feature {FEATURE} is turned off for the organization contoso, so this service connection cannot be created. An organization owner or Project Collection Administrator ({} or a keyless administrator) turns it on under Organization settings, Preview features (keyless org settings contoso --feature workload-identity-arm=on).",
                alice.upn
            ),
        );
    }
    assert_eq!(connections(&s).await, before, "nothing was created");
    s.admin_patch(
        SETTINGS,
        json!({"previewFeatures": {"workload-identity-arm": true}}),
    )
    .await
    .expect_status(StatusCode::OK);
    created(&s, demo_manual_body(&s, "wif")).await;
    assert_eq!(connections(&s).await, before + 1);
}

#[tokio::test]
async fn stakeholders_create_connections_only_through_endpoint_groups_or_as_collection_administrators()
 {
    let s = TestServer::start().await;
    let dave = member(&s, "dave").await;
    set_level(&s, &dave, "stakeholder").await;
    let users = s.admin_ok("/keyless/v1/organizations/contoso/users").await;
    assert_eq!(
        users["value"],
        json!([{"user": dave.upn, "userId": dave.id, "accessLevel": "Stakeholder"}])
    );
    let before = connections(&s).await;
    refused(
        create_as(&s, &dave.token, demo_manual_body(&s, "dave-conn")).await,
        StatusCode::FORBIDDEN,
        "AccessCheckException",
        &format!(
            "{} has Stakeholder access in the organization contoso. Stakeholders create service connections in the project web only as members of its Endpoint Creators, Endpoint Administrators or Project Administrators, or as Project Collection Administrators.",
            dave.upn
        ),
    );
    assert_eq!(connections(&s).await, before, "nothing was created");
    // A Stakeholder in Contributors still sees and uses the project's connections.
    let list = s
        .get_ok_as(&dave.token, "/contoso/web/_apis/serviceendpoint/endpoints")
        .await;
    assert_eq!(list["count"].as_u64(), Some(before));
    // With the project permission (Endpoint Creators) he creates.
    add_to_group(&s, "web", &dave, "Endpoint Creators").await;
    create_as(&s, &dave.token, demo_manual_body(&s, "dave-conn"))
        .await
        .expect_status(StatusCode::OK);
    // A Stakeholder in Project Collection Administrators creates too, in no project group.
    let erin = person(&s, "erin").await;
    set_level(&s, &erin, "Stakeholder").await;
    make_collection_administrator(&s, &erin).await;
    create_as(&s, &erin.token, demo_manual_body(&s, "erin-conn"))
        .await
        .expect_status(StatusCode::OK);
    // Back to Basic, Contributors are creators again.
    set_level(&s, &dave, "Basic").await;
    let frank = member(&s, "frank").await;
    set_level(&s, &frank, "Basic").await;
    create_as(&s, &frank.token, demo_manual_body(&s, "frank-conn"))
        .await
        .expect_status(StatusCode::OK);
    // Only collection administrators set levels; unknown levels are refused.
    let path = format!("/keyless/v1/organizations/contoso/users/{}", frank.upn);
    let (st, _) = s
        .put_as(&frank.token, &path, json!({"accessLevel": "Basic"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = s.admin_put(&path, json!({"accessLevel": "Advanced"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

/// Azure DevOps lists at most 50 Azure subscriptions in its drop-downs; keyless' picker lists
/// every subscription the creator holds a role on.
#[tokio::test]
async fn the_subscription_picker_lists_every_subscription_past_fifty() {
    let s = TestServer::start().await;
    let olga = person(&s, "olga").await;
    let mut want = Vec::new();
    for i in 0..60 {
        let body = json!({"name": format!("team-{i:02}"), "tenant": s.var("AZURE_TENANT_ID")});
        let sub = s.admin_created("/keyless/v1/subscriptions", body).await;
        let id = sub["id"].as_str().unwrap().to_string();
        grant_user(&s, &olga.id, READER, &format!("/subscriptions/{id}")).await;
        want.push(id);
    }
    let list = s
        .get_ok_as(
            &olga.token,
            "/keyless/v1/organizations/contoso/azure-subscriptions",
        )
        .await;
    let here = find_item(&list, "tenantId", &s.var("AZURE_TENANT_ID"));
    let mut got: Vec<String> = here["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["subscriptionId"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}
