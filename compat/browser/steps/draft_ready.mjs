// A Draft becomes Ready once its federated credential is added and Verify runs.
//
// A manual workload identity connection is saved as Draft when its creator does not own the
// app registration it names. The creator here is a member of contoso's web project
// (Contributors) who holds the tenant's Application Administrator role: not an owner of the
// demo app, so the connection opens as Draft, yet allowed by Graph to add the app's
// federated credential. In their own browser context they follow the connection's link to
// the app registration, whose form carries the connection's issuer and subject, add the
// credential, and Verify makes the connection Ready.

import { fillManualWorkloadIdentity } from "./manual_form.mjs";

// Signs `p` in with `token`.
async function signIn(p, origin, token) {
  await p.goto(`${origin}/_console/signin`);
  await p.fill("#token", token);
  await p.click("button[type=submit]");
  await p.waitForURL(`${origin}/_console/orgs`);
}

// The member who makes the Draft: created through the REST API as the administrator.
async function drafter({ demo, api, server, check }) {
  const admin = demo.KEYLESS_TOKEN;
  const tenant = demo.AZURE_TENANT_ID;
  const user = await api(server, admin, "POST", `/keyless/v1/tenants/${tenant}/users`, { name: "drafter" });
  const upn = user.body && user.body.userPrincipalName;
  const pat = await api(server, admin, "POST", "/keyless/v1/pats", { name: "browser", user: upn });
  const group = await api(server, admin, "POST", "/keyless/v1/organizations/contoso/projects/web/members",
    { user: upn, group: "Contributors" });
  const role = await api(server, admin, "POST", `/keyless/v1/tenants/${tenant}/roles`,
    { role: "Application Administrator", user: upn });
  const made = [user, pat, group, role].map((r) => r.status);
  check("a Contributor of web who is Application Administrator is made",
    made.every((s) => s >= 200 && s < 300), JSON.stringify(made));
  return pat.body.token;
}

export async function draftBecomesReady({ page, origin, demo, check, shot, api, server }) {
  const token = await drafter({ demo, api, server, check });
  const context = await page.context().browser().newContext({
    ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 },
  });
  const p = await context.newPage();
  const violations = [];
  p.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  const follow = async (name, url, role = "link") => {
    await p.getByRole(role, { name, exact: true }).click();
    await p.waitForURL(url);
  };
  try {
    await signIn(p, origin, token);
    await fillManualWorkloadIdentity(p, origin, demo, "draft-made");
    await follow("Save", /connections\/[0-9a-f-]+$/, "button");
    const connection = p.url();
    const state = (await p.textContent("#state")) || "";
    check("a manual connection of an app the creator does not own opens as Draft", state === "Draft", state);
    const issuer = await p.inputValue("#issuer");
    const subject = await p.inputValue("#subject");
    await shot("16-draft", p);

    await follow("Add the federated credential in the app registration", /\/apps\/[0-9a-f-]+\?/);
    const filled = {
      issuer: await p.inputValue("#fic-issuer"),
      subject: await p.inputValue("#fic-subject"),
      name: await p.inputValue("#fic-name"),
      audience: await p.inputValue("#fic-audience"),
    };
    check("the app's form carries the connection's issuer, subject and name",
      filled.issuer === issuer && filled.subject === subject && filled.name === "draft-made" &&
      filled.audience === "api://AzureADTokenExchange", JSON.stringify(filled));
    await shot("17-add-credential", p);
    await follow("Add federated credential", /\/apps\/[0-9a-f-]+$/, "button");
    const row = p.locator("#credentials tr", { hasText: "draft-made" });
    check("the app lists the credential added", (await row.count()) === 1);

    await p.goto(connection);
    await p.click("#verify");
    await p.waitForURL(/\/verify$/);
    await p.waitForSelector("#verify-steps");
    const ready = (await p.textContent("#state")) || "";
    check("after the credential is added, Verify makes the Draft Ready", ready === "Ready", ready);
    await shot("18-draft-ready", p);
    check("no Content Security Policy violation in the Draft's pages", violations.length === 0, violations.join("\n"));
  } finally {
    await context.close();
  }
}
