"""`az cloud register` from keyless's `/metadata/endpoints`, then `az cloud set`."""

from conftest import CLOUD_NAME


def test_cloud_registered_from_the_metadata_endpoint(az, keyless):
    # `az cloud register --endpoint-resource-manager {origin}/` took everything else from
    # `GET {origin}//metadata/endpoints?api-version=2022-09-01`: the login endpoint and the
    # token audience are not on the command line.
    cloud = az.json("cloud", "show", "-n", CLOUD_NAME)
    endpoints = cloud["endpoints"]
    assert cloud["isActive"] is True, cloud
    assert endpoints["resourceManager"] == f"{keyless.url}/", cloud
    assert endpoints["activeDirectory"] == f"{keyless.url}/", cloud
    assert endpoints["activeDirectoryResourceId"] == "https://management.core.windows.net/", cloud
    assert endpoints["microsoftGraphResourceId"] == f"{keyless.url}/", cloud
    active = az.json("cloud", "list", "--query", "[?isActive].name")
    assert active == [CLOUD_NAME]


def test_registering_the_same_name_again_is_refused(az, keyless):
    result = az.run(
        "cloud", "register", "-n", CLOUD_NAME, "--endpoint-resource-manager", f"{keyless.url}/", check=False
    )
    assert result.returncode != 0, result.describe()
    assert "already registered" in result.stderr, result.describe()
