//! Azure DevOps' location service (`OPTIONS {org}/_apis`, `{org}/_apis/ResourceAreas`), what
//! the `azure-devops` SDKs read before every call.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::find_item;

#[tokio::test]
async fn options_lists_the_service_endpoint_locations_even_for_a_read_token() {
    let s = TestServer::start().await;
    let read = json!({"name": "reader", "scopes": ["read"]});
    let pat = s.admin_created("/keyless/v1/pats", read).await;
    let v = s
        .send(
            Method::OPTIONS,
            "/contoso/_apis",
            Some(pat["token"].as_str().unwrap()),
            None,
        )
        .await
        .expect_status(StatusCode::OK);
    let endpoints = find_item(&v, "id", "14e48fdc-2c8b-41ce-a0c3-e26f6cc55bd0");
    assert_eq!(
        endpoints["routeTemplate"],
        "_apis/{area}/{resource}/{endpointId}"
    );
    assert_eq!(v["count"], v["value"].as_array().unwrap().len());
}

#[tokio::test]
async fn resource_areas_point_at_the_organization() {
    let s = TestServer::start().await;
    let v = s.admin_ok("/contoso/_apis/ResourceAreas").await;
    let area = find_item(&v, "name", "serviceendpoint");
    assert_eq!(area["locationUrl"], format!("{}/contoso/", s.origin));
    let one = s
        .admin_ok("/contoso/_apis/ResourceAreas/serviceendpoint")
        .await;
    assert_eq!(one["id"], area["id"]);
}

/// An unknown area, and an unknown organization (its locations and its areas): each a
/// DevOps not found.
#[tokio::test]
async fn unknown_areas_and_organizations_are_devops_not_found() {
    let s = TestServer::start().await;
    let e = s
        .admin_get_expect(
            "/contoso/_apis/ResourceAreas/nothing",
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(e["eventId"], 3000, "{e}");
    s.admin(Method::OPTIONS, "/ghost/_apis", None)
        .await
        .expect_message(StatusCode::NOT_FOUND, "ghost");
    s.admin_get_expect("/ghost/_apis/ResourceAreas", StatusCode::NOT_FOUND)
        .await;
}
