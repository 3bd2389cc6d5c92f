"""Service connections through the `azure-devops` PyPI SDK, unmodified.

The SDK builds no URL itself: `Connection.get_client` reads `GET {org}/_apis/ResourceAreas` to
find the `serviceendpoint` area's base URL, and every call first reads `OPTIONS {org}/_apis`
for the route template and API versions of its location id, then sends the request with
`Accept: application/json;api-version=…` (no `api-version` query). So these tests also prove
keyless' location service. Authentication is a PAT as the Basic password, as `az devops` does.
Errors come back as `AzureDevOpsServiceError`, which the SDK only raises when the body is the
DevOps exception shape (`$id`, `message`, `typeName`, `typeKey`, `errorCode`, `eventId`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# The SDK caches resource areas and locations on disk, keyed by URL, read at import time:
# keep it out of the user's home, and remove it afterwards.
_CACHE = tempfile.mkdtemp(prefix="keyless-ado-cache-")
atexit.register(shutil.rmtree, _CACHE, True)
os.environ.setdefault("AZURE_DEVOPS_CACHE_DIR", _CACHE)

import pytest  # noqa: E402
from azure.devops.connection import Connection  # noqa: E402
from azure.devops.exceptions import AzureDevOpsServiceError  # noqa: E402
from azure.devops.v7_0.service_endpoint.models import (  # noqa: E402
    EndpointAuthorization,
    ProjectReference,
    ServiceEndpoint,
    ServiceEndpointProjectReference,
)
from conftest import ARM_SCOPE, Keyless, describe, jwt_claims  # noqa: E402
from msrest.authentication import BasicAuthentication  # noqa: E402

ORG = "contoso"
PROJECT = "web"
ENDPOINT_CLIENT = "azure.devops.released.service_endpoint.service_endpoint_client.ServiceEndpointClient"
ROLE_API = "api-version=2022-04-01"


@pytest.fixture(scope="module")
def client(keyless: Keyless):
    conn = Connection(base_url=f"{keyless.url}/{ORG}", creds=BasicAuthentication("", keyless.env["KEYLESS_TOKEN"]))
    # requests (inside msrest) verifies against REQUESTS_CA_BUNDLE, which conftest points at
    # the server's CA.
    return conn.get_client(ENDPOINT_CLIENT)


@pytest.fixture(scope="module")
def project_id(keyless: Keyless) -> str:
    res = keyless.request("GET", f"{keyless.url}/{ORG}/_apis/projects/{PROJECT}?api-version=7.1")
    assert res.status_code == 200, describe(res)
    return res.json()["id"]


def endpoint(keyless: Keyless, project_id: str, name: str, scheme: str, mode: str, params: dict) -> ServiceEndpoint:
    return ServiceEndpoint(
        name=name,
        type="AzureRM",
        url="https://management.azure.com/",
        data={
            "subscriptionId": keyless.subscription_id,
            "subscriptionName": "demo-subscription",
            "environment": "AzureCloud",
            "scopeLevel": "Subscription",
            "creationMode": mode,
        },
        authorization=EndpointAuthorization(scheme=scheme, parameters={"tenantid": keyless.tenant_id, **params}),
        is_shared=False,
        is_ready=True,
        service_endpoint_project_references=[
            ServiceEndpointProjectReference(project_reference=ProjectReference(id=project_id, name=PROJECT), name=name)
        ],
    )


def test_manual_workload_identity_create_list_get_rename_delete(client, keyless: Keyless, project_id, unique_name):
    app = keyless.create_app(unique_name("sdk-manual"), secret=False)
    name = unique_name("sdk-manual-sc")
    created = client.create_service_endpoint(
        endpoint(keyless, project_id, name, "WorkloadIdentityFederation", "Manual", {"serviceprincipalid": app.app_id})
    )
    assert created.id and created.name == name
    assert created.owner == "library"
    params = created.authorization.parameters
    assert params["serviceprincipalid"] == app.app_id
    assert params["workloadIdentityFederationIssuer"].startswith("https://")
    assert params["workloadIdentityFederationSubject"]
    assert created.operation_status["state"] in ("Ready", "Draft")

    listed = client.get_service_endpoints(PROJECT, type="azurerm")
    assert name in [e.name for e in listed]
    by_scheme = client.get_service_endpoints(PROJECT, auth_schemes=["WorkloadIdentityFederation"], endpoint_ids=[created.id])
    assert [e.id for e in by_scheme] == [created.id]

    got = client.get_service_endpoint_details(PROJECT, created.id)
    assert got.name == name and got.data["creationMode"] == "Manual"

    got.name = name + "-renamed"
    got.description = "renamed by the azure-devops SDK"
    updated = client.update_service_endpoint(got, created.id)
    assert updated.name == name + "-renamed" and updated.description == "renamed by the azure-devops SDK"
    assert client.get_service_endpoint_details(PROJECT, created.id).name == name + "-renamed"

    client.delete_service_endpoint(created.id, [project_id])
    assert created.id not in [e.id for e in client.get_service_endpoints(PROJECT)]
    with pytest.raises(AzureDevOpsServiceError):
        client.get_service_endpoint_details(PROJECT, created.id)
    keyless.delete_app(app)


def test_automatic_creation_makes_app_credential_and_role_assignment(
    client, keyless: Keyless, project_id, unique_name, pipelines_credential
):
    name = unique_name("sdk-auto")
    created = client.create_service_endpoint(endpoint(keyless, project_id, name, "WorkloadIdentityFederation", "Automatic", {}))
    data = created.data
    assert data["creationMode"] == "Automatic"
    app = keyless.graph("GET", f"applications/{data['appObjectId']}")
    assert app.status_code == 200, describe(app)
    assert app.json()["appId"] == created.authorization.parameters["serviceprincipalid"]
    sp = keyless.graph("GET", f"servicePrincipals/{data['spnObjectId']}")
    assert sp.status_code == 200, describe(sp)
    fics = keyless.graph("GET", f"applications/{data['appObjectId']}/federatedIdentityCredentials")
    assert fics.status_code == 200, describe(fics)
    subjects = [f["subject"] for f in fics.json()["value"]]
    assert created.authorization.parameters["workloadIdentityFederationSubject"] in subjects
    ra_path = f"subscriptions/{keyless.subscription_id}/providers/Microsoft.Authorization/roleAssignments/{data['azureSpnRoleAssignmentId']}?{ROLE_API}"
    # ARM takes ARM tokens: read as the demo connection's identity (Contributor reads roles).
    arm_token = pipelines_credential.get_token(ARM_SCOPE).token
    ra = keyless.arm("GET", ra_path, token=arm_token)
    assert ra.status_code == 200, describe(ra)
    assert ra.json()["properties"]["principalId"] == data["spnObjectId"]

    # Deleting an automatic connection takes what it made.
    client.delete_service_endpoint(created.id, [project_id])
    assert keyless.graph("GET", f"applications/{data['appObjectId']}").status_code == 404
    assert keyless.arm("GET", ra_path, token=arm_token).status_code == 404


def test_refused_create_is_the_devops_exception_shape(client, keyless: Keyless, project_id, unique_name):
    bad = endpoint(keyless, project_id, unique_name("sdk-bad"), "WorkloadIdentityFederation", "Manual", {})
    bad.type = "github"
    with pytest.raises(AzureDevOpsServiceError) as caught:
        client.create_service_endpoint(bad)
    assert "github" in caught.value.message
    assert caught.value.type_key and caught.value.type_name
    assert caught.value.event_id == 3000
    # The same refusal on the wire: every key of the shape, nothing saved.
    res = keyless.request(
        "POST",
        f"{keyless.url}/{ORG}/_apis/serviceendpoint/endpoints?api-version=7.1",
        json=client._serialize.body(bad, "ServiceEndpoint"),
    )
    assert res.status_code == 400, describe(res)
    assert {"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"} <= set(res.json())
    assert bad.name not in [e.name for e in client.get_service_endpoints(PROJECT)]


def test_pipelines_credential_through_a_converted_connection(client, keyless: Keyless, project_id, unique_name, monkeypatch):
    from azure.identity import AzurePipelinesCredential

    name = unique_name("sdk-conv")
    created = client.create_service_endpoint(endpoint(keyless, project_id, name, "ServicePrincipal", "Automatic", {}))
    assert created.authorization.scheme == "ServicePrincipal"
    env = keyless.start_job(unique_name("conv-pipe"), [created.id], ORG, PROJECT)

    # A secret connection gives the job no ID token.
    before = keyless.oidc_request(created.id, env["SYSTEM_ACCESSTOKEN"])
    assert before.status_code != 200, describe(before)

    current = client.get_service_endpoint_details(PROJECT, created.id)
    current.authorization = EndpointAuthorization(scheme="WorkloadIdentityFederation", parameters={})
    converted = client.update_service_endpoint(current, created.id, operation="ConvertAuthenticationScheme")
    assert converted.authorization.scheme == "WorkloadIdentityFederation"
    assert converted.data.get("revertSchemeDeadline")

    monkeypatch.setenv("SYSTEM_OIDCREQUESTURI", env["SYSTEM_OIDCREQUESTURI"])
    credential = AzurePipelinesCredential(
        tenant_id=keyless.tenant_id,
        client_id=converted.authorization.parameters["serviceprincipalid"],
        service_connection_id=created.id,
        system_access_token=env["SYSTEM_ACCESSTOKEN"],
        authority=keyless.url,
    )
    token = credential.get_token(ARM_SCOPE)
    claims = jwt_claims(token.token)
    assert claims["appid"] == converted.authorization.parameters["serviceprincipalid"] or claims.get("azp") == converted.authorization.parameters["serviceprincipalid"]
    assert claims["tid"] == keyless.tenant_id
    res = keyless.arm("GET", f"subscriptions/{keyless.subscription_id}?api-version=2022-12-01", token=token.token)
    assert res.status_code == 200, describe(res)
    client.delete_service_endpoint(created.id, [project_id])


def test_location_service_lists_the_served_areas(keyless: Keyless):
    res = keyless.request("GET", f"{keyless.url}/{ORG}/_apis/ResourceAreas/1814ab31-2f4f-4a9f-8761-f4d77dc5a5d7")
    assert res.status_code == 200, describe(res)
    assert res.json()["locationUrl"] == f"{keyless.url}/{ORG}/"


def test_location_service_unknown_area_is_a_devops_404(keyless: Keyless):
    res = keyless.request("GET", f"{keyless.url}/{ORG}/_apis/ResourceAreas/00000000-0000-0000-0000-000000000001")
    assert res.status_code == 404, describe(res)
    assert res.json()["typeKey"] and res.json()["eventId"] == 3000


def test_location_service_unknown_organization_is_a_devops_404(keyless: Keyless):
    res = keyless.request("OPTIONS", f"{keyless.url}/no-such-org/_apis")
    assert res.status_code == 404, describe(res)
    assert "no-such-org" in res.json()["message"]
