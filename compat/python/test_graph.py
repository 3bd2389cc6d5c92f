"""Graph shapes the other tests rely on."""

import uuid

from conftest import describe


def test_application_by_app_id(keyless):
    res = keyless.graph("GET", f"applications(appId='{keyless.client_id}')")
    assert res.status_code == 200, describe(res)
    body = res.json()
    assert body["appId"] == keyless.client_id, describe(res)
    uuid.UUID(body["id"])


def test_application_lifecycle(keyless, unique_name):
    app = keyless.create_app(unique_name("compat-graph"))
    for value in (app.object_id, app.app_id, app.sp_object_id):
        uuid.UUID(value)  # identifiers are GUIDs everywhere
    assert app.secret
    got = keyless.graph("GET", f"applications/{app.object_id}")
    assert got.status_code == 200 and got.json()["appId"] == app.app_id, describe(got)
    deleted = keyless.delete_app(app)
    assert deleted.status_code == 204, describe(deleted)
    gone = keyless.graph("GET", f"applications/{app.object_id}")
    assert gone.status_code == 404, describe(gone)
