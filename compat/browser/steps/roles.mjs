// Refusal where roles say so, in the browser: a second user of the demo tenant, a Reader of
// contoso/web with a personal access token the administrator made for them, signs in in a
// browser context of their own; the New service connection wizard and the pipeline
// permissions of the demo connection show the API's refusal, and the API then shows that
// nothing was created or changed.

import { fillManualWorkloadIdentity } from "./manual_form.mjs";

// `api` is keyless' REST API (status and JSON body), `check` records a check, `shot` takes
// a screenshot of a page.
export async function refusedByRole({ browser, origin, demo, check, shot, api, server }) {
  const admin = demo.KEYLESS_TOKEN;
  const user = await api(server, admin, "POST", `/keyless/v1/tenants/${demo.AZURE_TENANT_ID}/users`,
    { name: "rita-reader" });
  check("the administrator creates a second user", user.status === 201, JSON.stringify(user));
  const upn = user.body.userPrincipalName;
  const pat = await api(server, admin, "POST", "/keyless/v1/pats", { name: "browser", user: upn });
  check("the administrator makes a personal access token for them", pat.status === 201 && !!pat.body.token,
    `${pat.status}`);
  const member = await api(server, admin, "POST", "/keyless/v1/organizations/contoso/projects/web/members",
    { user: upn, group: "Readers" });
  check("they are a Reader of contoso/web", member.status === 201, JSON.stringify(member));
  const token = pat.body.token;

  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const violations = [];
    page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    await page.goto(`${origin}/_console/signin`);
    await page.fill("#token", token);
    await page.click("button[type=submit]");
    check("the Reader signs in", page.url() === `${origin}/_console/orgs`, page.url());

    // The wizard: a manual connection, refused by the API (Readers cannot create).
    const named = (list) => (list.body.value || []).map((c) => c.name);
    const before = await api(server, admin, "GET", "/contoso/web/_apis/serviceendpoint/endpoints");
    await fillManualWorkloadIdentity(page, origin, demo, "reader-made");
    await page.click("#save");
    await page.waitForSelector("#refusal");
    const shown = (await page.textContent("#refusal")) || "";
    // The API's own answer to the same request as the Reader (it creates nothing either).
    const refused = await api(server, token, "POST", "/contoso/web/_apis/serviceendpoint/endpoints", {
      name: "reader-made", type: "AzureRM",
      authorization: { scheme: "WorkloadIdentityFederation",
        parameters: { tenantid: demo.AZURE_TENANT_ID, serviceprincipalid: demo.AZURE_CLIENT_ID } },
      data: { creationMode: "Manual", scopeLevel: "Subscription", subscriptionId: demo.AZURE_SUBSCRIPTION_ID },
      serviceEndpointProjectReferences: [{ projectReference: { name: "web" } }],
    });
    check("the API refuses the Reader's connection", refused.status === 403, JSON.stringify(refused));
    check("the wizard shows the API's refusal text",
      !!refused.body && !!refused.body.message && shown.includes(refused.body.message), shown);
    const after = await api(server, admin, "GET", "/contoso/web/_apis/serviceendpoint/endpoints");
    check("no connection was created", !named(after).includes("reader-made") &&
      named(after).length === named(before).length, JSON.stringify(named(after)));
    await shot("19-refused-by-role", page);

    // The pipeline permissions of the demo connection: the access page shows the refusal.
    const id = demo.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID;
    const permissions = `/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/${id}`;
    const was = await api(server, admin, "GET", permissions);
    await page.goto(`${origin}/_console/orgs/contoso/web/connections/${id}/access`);
    const toggle = was.body.allPipelines.authorized ? "Restrict to the pipelines below" : "Open to all pipelines";
    await page.getByRole("button", { name: toggle, exact: true }).click();
    await page.waitForSelector("#refused");
    const said = (await page.textContent("#refused")) || "";
    const denied = await api(server, token, "PATCH", permissions,
      { allPipelines: { authorized: !was.body.allPipelines.authorized } });
    check("the API refuses the Reader's permission change", denied.status === 403, JSON.stringify(denied));
    check("the access page shows the API's refusal text",
      !!denied.body && !!denied.body.message && said.includes(denied.body.message), said);
    const now = await api(server, admin, "GET", permissions);
    check("the pipeline permissions are unchanged", JSON.stringify(now.body) === JSON.stringify(was.body),
      JSON.stringify(now.body));
    await shot("20-refused-by-role-permissions", page);
    check("no Content Security Policy violation in the Reader's pages", violations.length === 0,
      violations.join("\n"));
  } finally {
    await context.close();
  }
}
