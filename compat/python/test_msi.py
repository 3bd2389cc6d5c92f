"""azure-mgmt-msi against keyless: user-assigned managed identities and their federated identity
credentials, then the manual path end to end: a manual workload identity
service connection naming a managed identity's client id, and a pipeline job that signs in as
that identity (its tokens carry `xms_mirid`)."""

import uuid

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.identity import AzurePipelinesCredential
from azure.mgmt.msi import ManagedServiceIdentityClient

from conftest import ARM_SCOPE, DEMO_RESOURCE_GROUP, describe, jwt_claims, pipeline_client

AUDIENCE = "api://AzureADTokenExchange"
IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
FIC_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"


msi_client = pipeline_client(ManagedServiceIdentityClient)


@pytest.fixture
def identity(keyless, msi_client, unique_name):
    """A fresh identity in the demo resource group, deleted afterwards (if still there)."""
    name = unique_name("compat-mi")
    created = msi_client.user_assigned_identities.create_or_update(
        DEMO_RESOURCE_GROUP, name, {"location": "westeurope"}
    )
    yield created
    msi_client.user_assigned_identities.delete(DEMO_RESOURCE_GROUP, name)


def identity_id(keyless, name: str) -> str:
    return (
        f"/subscriptions/{keyless.subscription_id}/resourceGroups/{DEMO_RESOURCE_GROUP}"
        f"/providers/{IDENTITY_TYPE}/{name}"
    )


def test_identity_lifecycle(keyless, msi_client, unique_name):
    identities = msi_client.user_assigned_identities
    name = unique_name("compat-mi")
    created = identities.create_or_update(
        DEMO_RESOURCE_GROUP, name, {"location": "westeurope", "tags": {"purpose": "compat"}}
    )
    assert created.name == name
    assert created.type == IDENTITY_TYPE
    assert created.location == "westeurope"
    assert created.tags == {"purpose": "compat"}
    assert created.id.lower() == identity_id(keyless, name).lower()
    for value in (created.principal_id, created.client_id, created.tenant_id):
        assert value, created.as_dict()
        uuid.UUID(value)  # GUIDs, as the SDK's callers assume
    assert created.tenant_id == keyless.tenant_id
    assert created.principal_id != created.client_id

    got = identities.get(DEMO_RESOURCE_GROUP, name)
    assert (got.id, got.principal_id, got.client_id, got.tenant_id) == (
        created.id,
        created.principal_id,
        created.client_id,
        created.tenant_id,
    )

    # A second PUT updates the same identity: same principal and client id.
    again = identities.create_or_update(DEMO_RESOURCE_GROUP, name, {"location": "westeurope", "tags": {"v": "2"}})
    assert (again.principal_id, again.client_id) == (created.principal_id, created.client_id)
    assert again.tags == {"v": "2"}

    listed = {i.name: i for i in identities.list_by_resource_group(DEMO_RESOURCE_GROUP)}
    assert name in listed, sorted(listed)
    assert listed[name].client_id == created.client_id
    assert all(i.type == IDENTITY_TYPE for i in listed.values()), [i.type for i in listed.values()]
    assert name in [i.name for i in identities.list_by_subscription()]

    # The identity has a service principal of type ManagedIdentity (Graph).
    sp = keyless.graph("GET", f"servicePrincipals/{created.principal_id}")
    assert sp.status_code == 200, describe(sp)
    assert sp.json()["appId"] == created.client_id, describe(sp)
    assert sp.json()["servicePrincipalType"] == "ManagedIdentity", describe(sp)

    identities.delete(DEMO_RESOURCE_GROUP, name)
    with pytest.raises(ResourceNotFoundError) as e:
        identities.get(DEMO_RESOURCE_GROUP, name)
    assert e.value.status_code == 404
    gone = keyless.graph("GET", f"servicePrincipals/{created.principal_id}")
    assert gone.status_code == 404, describe(gone)
    # Deleting what is gone is not an error.
    identities.delete(DEMO_RESOURCE_GROUP, name)


def test_federated_identity_credential_lifecycle(keyless, msi_client, identity):
    fics = msi_client.federated_identity_credentials
    issuer = "https://token.actions.githubusercontent.com"
    subject = f"repo:contoso/app:environment:{uuid.uuid4().hex[:8]}"
    created = fics.create_or_update(
        DEMO_RESOURCE_GROUP,
        identity.name,
        "github-prod",
        {"issuer": issuer, "subject": subject, "audiences": [AUDIENCE]},
    )
    assert created.name == "github-prod"
    assert created.type == FIC_TYPE
    assert created.id.lower() == f"{identity.id}/federatedIdentityCredentials/github-prod".lower()
    assert (created.issuer, created.subject, created.audiences) == (issuer, subject, [AUDIENCE])

    got = fics.get(DEMO_RESOURCE_GROUP, identity.name, "github-prod")
    assert (got.id, got.issuer, got.subject, got.audiences) == (created.id, issuer, subject, [AUDIENCE])

    second = fics.create_or_update(
        DEMO_RESOURCE_GROUP,
        identity.name,
        "github-dev",
        {"issuer": issuer, "subject": subject + "-dev", "audiences": [AUDIENCE]},
    )
    assert second.subject == subject + "-dev"
    listed = list(fics.list(DEMO_RESOURCE_GROUP, identity.name))
    assert sorted(f.name for f in listed) == ["github-dev", "github-prod"]
    assert all(f.type == FIC_TYPE for f in listed)
    # `top` pages through nextLink; the SDK follows it.
    pages = [list(p) for p in fics.list(DEMO_RESOURCE_GROUP, identity.name, top=1).by_page()]
    assert [len(p) for p in pages] == [1, 1], pages
    assert sorted(f.name for p in pages for f in p) == ["github-dev", "github-prod"]

    fics.delete(DEMO_RESOURCE_GROUP, identity.name, "github-dev")
    with pytest.raises(ResourceNotFoundError):
        fics.get(DEMO_RESOURCE_GROUP, identity.name, "github-dev")
    assert [f.name for f in fics.list(DEMO_RESOURCE_GROUP, identity.name)] == ["github-prod"]


def test_federated_identity_credential_needs_exactly_one_audience(msi_client, identity):
    with pytest.raises(HttpResponseError) as e:
        msi_client.federated_identity_credentials.create_or_update(
            DEMO_RESOURCE_GROUP,
            identity.name,
            "two-audiences",
            {
                "issuer": "https://token.actions.githubusercontent.com",
                "subject": "repo:contoso/app:ref:refs/heads/main",
                "audiences": [AUDIENCE, "api://other"],
            },
        )
    assert e.value.status_code == 400, e.value
    assert "Federated identity credentials must have exactly one audience." in e.value.message, e.value.message
    assert list(msi_client.federated_identity_credentials.list(DEMO_RESOURCE_GROUP, identity.name)) == []


def test_federated_identity_credential_under_missing_identity(msi_client, unique_name):
    with pytest.raises(HttpResponseError) as e:
        msi_client.federated_identity_credentials.create_or_update(
            DEMO_RESOURCE_GROUP,
            unique_name("compat-missing"),
            "orphan",
            {"issuer": "https://issuer.example", "subject": "s", "audiences": [AUDIENCE]},
        )
    assert e.value.status_code == 404, e.value
    assert "The parent user-assigned identity doesn't exist." in e.value.message, e.value.message


# --------------------------------------------------------------------------------------------
# A manual workload identity connection backed by a user-assigned managed identity


def create_connection(keyless, name: str, client_id: str) -> dict:
    """POST {origin}/contoso/_apis/serviceendpoint/endpoints, the body the portal sends."""
    projects = keyless.request("GET", f"{keyless.url}/keyless/v1/organizations/contoso/projects")
    assert projects.status_code == 200, describe(projects)
    web = next((p for p in projects.json()["value"] if p["name"] == "web"), None)
    assert web is not None, describe(projects)
    body = {
        "data": {
            "subscriptionId": keyless.subscription_id,
            "subscriptionName": "demo-subscription",
            "environment": "AzureCloud",
            "scopeLevel": "Subscription",
            "creationMode": "Manual",
        },
        "name": name,
        "type": "AzureRM",
        "url": "https://management.azure.com/",
        "authorization": {
            "scheme": "WorkloadIdentityFederation",
            "parameters": {"tenantid": keyless.tenant_id, "serviceprincipalid": client_id},
        },
        "isShared": False,
        "isReady": True,
        "serviceEndpointProjectReferences": [{"projectReference": {"id": web["id"], "name": "web"}, "name": name}],
    }
    res = keyless.request(
        "POST", f"{keyless.url}/contoso/_apis/serviceendpoint/endpoints?api-version=7.1", json=body
    )
    assert res.status_code == 200, describe(res)
    return res.json()


def job_credential(keyless, client_id: str, connection_id: str, env: dict[str, str]) -> AzurePipelinesCredential:
    """The credential a task of the job `env` gets for the connection's identity `client_id`."""
    return AzurePipelinesCredential(
        tenant_id=keyless.tenant_id,
        client_id=client_id,
        service_connection_id=connection_id,
        system_access_token=env["SYSTEM_ACCESSTOKEN"],
        authority=keyless.url,
    )


def test_pipeline_signs_in_as_managed_identity(keyless, msi_client, unique_name, monkeypatch):
    name = unique_name("compat-mi")
    identity = msi_client.user_assigned_identities.create_or_update(
        DEMO_RESOURCE_GROUP, name, {"location": "westeurope"}
    )
    try:
        connection = create_connection(keyless, unique_name("mi-conn"), identity.client_id)
        params = connection["authorization"]["parameters"]
        assert params["serviceprincipalid"] == identity.client_id, connection
        issuer = params["workloadIdentityFederationIssuer"]
        subject = params["workloadIdentityFederationSubject"]
        assert issuer and subject, connection

        fic = msi_client.federated_identity_credentials.create_or_update(
            DEMO_RESOURCE_GROUP, name, "azure-devops", {"issuer": issuer, "subject": subject, "audiences": [AUDIENCE]}
        )
        assert (fic.issuer, fic.subject) == (issuer, subject)

        env = keyless.start_job(unique_name("mi-pipeline"), [connection["name"]])
        # AzurePipelinesCredential reads SYSTEM_OIDCREQUESTURI from the environment per request.
        monkeypatch.setenv("SYSTEM_OIDCREQUESTURI", env["SYSTEM_OIDCREQUESTURI"])
        cred = job_credential(keyless, identity.client_id, connection["id"], env)
        claims = jwt_claims(cred.get_token(ARM_SCOPE).token)
        assert claims.get("xms_mirid") == identity.id, claims
        assert claims.get("oid") == identity.principal_id, claims
        assert claims.get("appid", claims.get("azp")) == identity.client_id, claims
        assert claims.get("tid") == keyless.tenant_id, claims
    finally:
        msi_client.user_assigned_identities.delete(DEMO_RESOURCE_GROUP, name)

    # The identity's principal and credentials went with it: the same job cannot sign in now.
    fresh = job_credential(keyless, identity.client_id, connection["id"], env)
    with pytest.raises(ClientAuthenticationError):
        fresh.get_token(ARM_SCOPE)
