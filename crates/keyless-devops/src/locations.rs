//! Azure DevOps' location service, as far as REST clients need it to find keyless' routes.
//!
//! The `azure-devops` SDKs (Python, .NET, Node) never hard-code a route: they ask
//! `OPTIONS /{org}/_apis` for the API resource locations (id → area, resource, route template
//! and the API versions served) and `GET /{org}/_apis/ResourceAreas` for the base URL of each
//! resource area, then build every URL from those. Both answers list only what keyless serves.

use super::find_org;
use axum::Json;
use axum::extract::{Path, State};
use keyless_core::envelope::DevopsError;
use keyless_core::state::AppState;
use serde_json::{Value, json};

/// The location service's own area (`Location`).
const LOCATION_AREA: &str = "00d9565f-ed9c-4a06-9a50-00e7896ccab4";
/// The `serviceendpoint` area.
const SERVICE_ENDPOINT_AREA: &str = "1814ab31-2f4f-4a9f-8761-f4d77dc5a5d7";
/// The `core` area (`_apis/projects`).
const CORE_AREA: &str = "79134c72-4a58-4b42-976c-04e7115f32bf";

/// (location id, area, resource name, route template, resource version) of every resource
/// keyless serves under an organization, with the ids Azure DevOps gives them.
const LOCATIONS: &[(&str, &str, &str, &str, u32)] = &[
    (
        "e81700f7-3be2-46de-8624-2eb35882fcaa",
        "Location",
        "ResourceAreas",
        "_apis/{resource}/{areaId}",
        1,
    ),
    (
        "14e48fdc-2c8b-41ce-a0c3-e26f6cc55bd0",
        "serviceendpoint",
        "endpoints",
        "_apis/{area}/{resource}/{endpointId}",
        4,
    ),
    (
        "e85f1c62-adfc-4b74-b618-11a150fb195e",
        "serviceendpoint",
        "endpoints",
        "{project}/_apis/{area}/{resource}/{endpointId}",
        4,
    ),
    (
        "5a7938a4-655e-486c-b562-b78c54a7e87b",
        "serviceendpoint",
        "types",
        "_apis/{area}/{resource}",
        1,
    ),
    (
        "cc63bb57-2a5f-4a7a-b79c-c142d308657e",
        "serviceendpoint",
        "endpointproxy",
        "_apis/{area}/{resource}",
        1,
    ),
    (
        "603fe2ac-9723-48b9-88ad-09305aa6c6e1",
        "core",
        "projects",
        "_apis/{resource}/{*projectId}",
        4,
    ),
];

/// The resource areas keyless serves: (id, name).
const AREAS: &[(&str, &str)] = &[
    (LOCATION_AREA, "Location"),
    (SERVICE_ENDPOINT_AREA, "serviceendpoint"),
    (CORE_AREA, "core"),
];

fn location_json(
    &(id, area, resource, template, version): &(&str, &str, &str, &str, u32),
) -> Value {
    json!({
        "id": id,
        "area": area,
        "resourceName": resource,
        "routeTemplate": template,
        "resourceVersion": version,
        "minVersion": "1.0",
        "maxVersion": "7.2",
        "releasedVersion": "7.1",
    })
}

/// `OPTIONS /{org}/_apis`: the API resource locations.
pub async fn options(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Json<Value>, DevopsError> {
    find_org(&s, &root).await?;
    let value: Vec<Value> = LOCATIONS.iter().map(location_json).collect();
    Ok(Json(json!({"count": value.len(), "value": value})))
}

fn area_json(s: &AppState, org: &str, &(id, name): &(&str, &str)) -> Value {
    json!({
        "id": id,
        "name": name,
        "locationUrl": format!("{}/{}/", s.origin.trim_end_matches('/'), org),
    })
}

/// `GET /{org}/_apis/ResourceAreas`: every area, each at the organization's URL.
pub async fn resource_areas(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Json<Value>, DevopsError> {
    let org = find_org(&s, &root).await?;
    let value: Vec<Value> = AREAS.iter().map(|a| area_json(&s, &org.name, a)).collect();
    Ok(Json(json!({"count": value.len(), "value": value})))
}

/// `GET /{org}/_apis/ResourceAreas/{areaId}`: one area, 404 in the DevOps shape when keyless
/// does not serve it.
pub async fn resource_area(
    State(s): State<AppState>,
    Path((root, area)): Path<(String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let org = find_org(&s, &root).await?;
    let found = AREAS
        .iter()
        .find(|(id, name)| id.eq_ignore_ascii_case(&area) || name.eq_ignore_ascii_case(&area));
    match found {
        Some(a) => Ok(Json(area_json(&s, &org.name, a))),
        None => Err(keyless_core::envelope::ApiError::detail(
            "NotFound",
            format!(
                "The resource area '{}' was not found.",
                keyless_model::catalogue::sanitize(&area)
            ),
        )
        .into()),
    }
}
