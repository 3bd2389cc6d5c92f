// Every page the other steps do not open, each checked for its heading and a table of what
// the demo world holds, and kept as a screenshot.

// The pages, in the order they are shown: the screenshot's name, the path, the heading, and
// a text of the demo world the page must show.
function pages(demo) {
  const connection = `/_console/orgs/contoso/web/connections/${demo.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID}`;
  return [
    ["21-keys", "/_console/keys", "Signing keys", "RS256"],
    ["22-subscriptions", "/_console/subscriptions", "Subscriptions", "demo-subscription"],
    ["23-subscription", `/_console/subscriptions/${demo.AZURE_SUBSCRIPTION_ID}`, "demo-subscription", "demo-rg"],
    ["24-tenants", "/_console/tenants", "Tenants", "contoso"],
    ["25-tenant", "/_console/tenants/contoso", "Contoso (contoso)", "demo-deploy"],
    ["26-connection-access", `${connection}/access`, "Access to demo-connection", "Pipeline permissions"],
  ];
}

export async function tour({ page, origin, demo, check, shot }) {
  for (const [name, path, heading, holds] of pages(demo)) {
    const answer = await page.goto(`${origin}${path}`);
    const status = answer ? answer.status() : 0;
    const h1 = ((await page.textContent("h1")) || "").trim();
    const body = (await page.textContent("main")) || "";
    check(`${path} opens with its heading`, status === 200 && h1 === heading, `${status} ${h1}`);
    check(`${path} shows ${holds}`, body.includes(holds));
    await shot(name);
  }
}
