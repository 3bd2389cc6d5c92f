"""msgraph-sdk (the Python Microsoft Graph SDK) against keyless, unchanged: a service principal
with the Application Administrator directory role signs in with a client secret (and the demo
app with a pipeline's federated token) for `https://graph.microsoft.com/.default`, then creates
an application, its service principal, a federated credential and a secret, lists and deletes
them. A principal without a directory role is refused with Authorization_RequestDenied.

The SDK is pointed at keyless the way any Graph client is pointed at a national cloud: the
request adapter's base URL, and the host allowed to receive the token.
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlparse

import httpx
import pytest
from azure.identity.aio import AzurePipelinesCredential, ClientSecretCredential
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.applications.applications_request_builder import ApplicationsRequestBuilder
from msgraph.generated.applications.item.add_password.add_password_post_request_body import (
    AddPasswordPostRequestBody,
)
from msgraph.generated.models.application import Application
from msgraph.generated.models.federated_identity_credential import FederatedIdentityCredential
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_credential import PasswordCredential
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.service_principal import ServicePrincipal
from msgraph_core import GraphClientFactory

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def graph_client(keyless, credential) -> GraphServiceClient:
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=[GRAPH_SCOPE], allowed_hosts=[urlparse(keyless.url).hostname]
    )
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=keyless.ca_bundle, timeout=60)
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = f"{keyless.url}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def secret_credential(keyless, client_id: str, secret: str) -> ClientSecretCredential:
    return ClientSecretCredential(
        keyless.tenant_id, client_id, secret, authority=keyless.url, disable_instance_discovery=True
    )




@pytest.fixture
def app_admin(keyless, unique_name):
    app = keyless.create_app(unique_name("msgraph-app-admin"))
    keyless.add_directory_role(app.app_id, "Application Administrator")
    return app


async def _lifecycle(keyless, app_admin, name: str) -> None:
    credential = secret_credential(keyless, app_admin.app_id, app_admin.secret)
    client = graph_client(keyless, credential)
    try:
        created = await client.applications.post(Application(display_name=name))
        uuid.UUID(created.id)
        uuid.UUID(created.app_id)
        assert created.display_name == name
        assert created.sign_in_audience == "AzureADMyOrg"
        app = client.applications.by_application_id(created.id)

        sp = await client.service_principals.post(ServicePrincipal(app_id=created.app_id))
        assert sp.app_id == created.app_id and sp.account_enabled is True
        uuid.UUID(sp.id)

        fic = await app.federated_identity_credentials.post(
            FederatedIdentityCredential(
                name="msgraph-main",
                issuer="https://token.actions.githubusercontent.com",
                subject="repo:contoso/app:ref:refs/heads/main",
                audiences=["api://AzureADTokenExchange"],
            )
        )
        assert fic.name == "msgraph-main"
        uuid.UUID(fic.id)

        secret = await app.add_password.post(
            AddPasswordPostRequestBody(password_credential=PasswordCredential(display_name="msgraph"))
        )
        assert secret.secret_text and secret.hint == secret.secret_text[:3]
        uuid.UUID(str(secret.key_id))

        # Lists: by filter, and the credentials of the app.
        query = ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters(
            filter=f"appId eq '{created.app_id}'"
        )
        config = ApplicationsRequestBuilder.ApplicationsRequestBuilderGetRequestConfiguration(
            query_parameters=query
        )
        listed = await client.applications.get(request_configuration=config)
        assert [a.id for a in listed.value] == [created.id]
        assert [p.key_id for p in listed.value[0].password_credentials] == [secret.key_id]
        fics = await app.federated_identity_credentials.get()
        assert [f.name for f in fics.value] == ["msgraph-main"]
        got = await app.get()
        assert got.app_id == created.app_id

        # Deletes: the credential, the principal, the application.
        await app.federated_identity_credentials.by_federated_identity_credential_id(fic.id).delete()
        assert (await app.federated_identity_credentials.get()).value == []
        await client.service_principals.by_service_principal_id(sp.id).delete()
        await app.delete()
        with pytest.raises(ODataError) as gone:
            await app.get()
        assert gone.value.response_status_code == 404
        assert gone.value.error.code == "Request_ResourceNotFound"
    finally:
        await credential.close()


def test_application_administrator_manages_apps_with_msgraph_sdk(keyless, app_admin, unique_name):
    asyncio.run(_lifecycle(keyless, app_admin, unique_name("msgraph-made")))


async def _denied(keyless, plain) -> None:
    credential = secret_credential(keyless, plain.app_id, plain.secret)
    client = graph_client(keyless, credential)
    try:
        with pytest.raises(ODataError) as denied:
            await client.applications.post(Application(display_name="not-allowed"))
        assert denied.value.response_status_code == 403
        assert denied.value.error.code == "Authorization_RequestDenied"
        assert denied.value.error.message == "Insufficient privileges to complete the operation."
        with pytest.raises(ODataError) as listing:
            await client.applications.get()
        assert listing.value.error.code == "Authorization_RequestDenied"
    finally:
        await credential.close()


def test_a_principal_without_a_directory_role_is_denied(keyless, unique_name):
    plain = keyless.create_app(unique_name("msgraph-plain"))
    asyncio.run(_denied(keyless, plain))


async def _owners(keyless, app_admin, plain, name: str) -> None:
    admin_credential = secret_credential(keyless, app_admin.app_id, app_admin.secret)
    plain_credential = secret_credential(keyless, plain.app_id, plain.secret)
    admin = graph_client(keyless, admin_credential)
    other = graph_client(keyless, plain_credential)
    secret_body = AddPasswordPostRequestBody(password_credential=PasswordCredential(display_name="co-owner"))
    try:
        created = await admin.applications.post(Application(display_name=name))
        app = admin.applications.by_application_id(created.id)
        theirs = other.applications.by_application_id(created.id)
        with pytest.raises(ODataError) as denied:
            await theirs.add_password.post(secret_body)
        assert denied.value.error.code == "Authorization_RequestDenied"

        # The principal without a role becomes an owner, and may then manage the app's secrets.
        await app.owners.ref.post(
            ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{plain.sp_object_id}")
        )
        owners = await app.owners.get()
        assert sorted(o.id for o in owners.value) == sorted([app_admin.sp_object_id, plain.sp_object_id])
        secret = await theirs.add_password.post(secret_body)
        assert secret.secret_text

        with pytest.raises(ODataError) as duplicate:
            await app.owners.ref.post(
                ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{plain.sp_object_id}")
            )
        assert duplicate.value.response_status_code == 400
        assert "already exist" in duplicate.value.error.message

        await app.owners.by_directory_object_id(plain.sp_object_id).ref.delete()
        with pytest.raises(ODataError) as removed:
            await theirs.add_password.post(secret_body)
        assert removed.value.error.code == "Authorization_RequestDenied"
        await app.delete()
    finally:
        await admin_credential.close()
        await plain_credential.close()


def test_owners_are_added_and_removed_with_msgraph_sdk(keyless, app_admin, unique_name):
    plain = keyless.create_app(unique_name("msgraph-co-owner"))
    asyncio.run(_owners(keyless, app_admin, plain, unique_name("msgraph-owned")))


async def _federated(keyless) -> None:
    credential = AzurePipelinesCredential(
        tenant_id=keyless.tenant_id,
        client_id=keyless.client_id,
        service_connection_id=keyless.connection_id,
        system_access_token=keyless.env["SYSTEM_ACCESSTOKEN"],
        authority=keyless.url,
    )
    client = graph_client(keyless, credential)
    try:
        mine = await client.applications.by_application_id(keyless.demo_app_object_id()).get()
        assert mine.app_id == keyless.client_id
        listed = await client.applications.get()
        assert keyless.client_id in [a.app_id for a in listed.value]
    finally:
        await credential.close()


def test_a_pipeline_federated_token_reads_the_directory(keyless):
    # The demo app reads the directory once it holds Directory Readers.
    keyless.add_directory_role(keyless.client_id, "Directory Readers")
    asyncio.run(_federated(keyless))
