//! Azure DevOps' location service (`OPTIONS {org}/_apis`, `{org}/_apis/ResourceAreas`), what
//! the `azure-devops` SDKs read before every call.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn options_lists_the_service_endpoint_locations_even_for_a_read_token() {
    let s = TestServer::start().await;
    let pat = s
        .admin_post(
            "/keyless/v1/pats",
            json!({"name": "reader", "scopes": ["read"]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let v = s
        .send(
            Method::OPTIONS,
            "/contoso/_apis",
            Some(pat["token"].as_str().unwrap()),
            None,
        )
        .await
        .expect_status(StatusCode::OK);
    let endpoints = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "14e48fdc-2c8b-41ce-a0c3-e26f6cc55bd0")
        .unwrap();
    assert_eq!(
        endpoints["routeTemplate"],
        "_apis/{area}/{resource}/{endpointId}"
    );
    assert_eq!(v["count"], v["value"].as_array().unwrap().len());
}

#[tokio::test]
async fn resource_areas_point_at_the_organization() {
    let s = TestServer::start().await;
    let v = s
        .admin_get("/contoso/_apis/ResourceAreas")
        .await
        .expect_status(StatusCode::OK);
    let area = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "serviceendpoint")
        .unwrap();
    assert_eq!(area["locationUrl"], format!("{}/contoso/", s.origin));
    let one = s
        .admin_get("/contoso/_apis/ResourceAreas/serviceendpoint")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(one["id"], area["id"]);
}

#[tokio::test]
async fn an_unknown_area_is_a_devops_not_found() {
    let s = TestServer::start().await;
    let e = s
        .admin_get("/contoso/_apis/ResourceAreas/nothing")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(e["eventId"], 3000, "{e}");
}

#[tokio::test]
async fn an_unknown_organization_is_a_devops_not_found() {
    let s = TestServer::start().await;
    let e = s
        .admin(Method::OPTIONS, "/ghost/_apis", None)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert!(e["message"].as_str().unwrap().contains("ghost"), "{e}");
    s.admin_get("/ghost/_apis/ResourceAreas")
        .await
        .expect_status(StatusCode::NOT_FOUND);
}
