// The web console in a real headless Chromium (Debian's, at CHROMIUM or /usr/bin/chromium),
// driven by playwright-core against a `keyless serve --demo` this script starts (KEYLESS_BIN)
// on a free loopback port over https with its local CA. Screenshots of every page go to
// SCREENSHOTS (default target/console-screenshots). Exit code 0: every check held.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import https from "node:https";
import net from "node:net";
import { refusedByRole } from "./steps/roles.mjs";
import { draftBecomesReady } from "./steps/draft_ready.mjs";
import { tour } from "./steps/tour.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.KEYLESS_BIN || join(ROOT, "target/debug/keyless");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = resolve(process.env.SCREENSHOTS || join(ROOT, "target/console-screenshots"));
const STARTUP_MS = 60_000;

function freePort() {
  return new Promise((ok, fail) => {
    const srv = net.createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function parseEnv(text) {
  const env = {};
  for (const line of text.split("\n")) {
    const m = line.match(/^export ([A-Z0-9_]+)='(.*)'$/);
    if (m) env[m[1]] = m[2].replace(/'\\''/g, "'");
  }
  return env;
}

// keyless' REST API with a token, trusting the server's CA: the status and the JSON body.
function api(server, token, method, path, body) {
  const url = new URL(server.origin + path);
  return new Promise((ok, fail) => {
    const req = https.request({
      host: url.hostname, port: url.port, path: url.pathname + url.search, method, ca: server.ca,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => ok({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
    });
    req.on("error", fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function healthy(port, ca) {
  return new Promise((ok) => {
    const req = https.get({ host: "127.0.0.1", port, path: "/healthz", ca, timeout: 2000 }, (res) => {
      res.resume();
      ok(res.statusCode === 200);
    });
    req.on("error", () => ok(false));
    req.on("timeout", () => { req.destroy(); ok(false); });
  });
}

async function startServer() {
  const tmp = mkdtempSync(join(tmpdir(), "keyless-browser-"));
  const data = join(tmp, "data");
  const port = await freePort();
  // The server reads KEYLESS_* variables as flags: never let the caller's leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KEYLESS_")));
  const log = [];
  const proc = spawn(BIN, ["serve", "--demo", "--data", data, "--addr", `127.0.0.1:${port}`], {
    env: { ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const s of [proc.stdout, proc.stderr]) s.on("data", (d) => log.push(d.toString()));
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`keyless exited with ${proc.exitCode}:\n${log.join("")}`);
    const envFile = join(data, "demo.env");
    const caFile = join(data, "tls", "ca.pem");
    if (existsSync(caFile) && existsSync(envFile)) {
      const demo = parseEnv(readFileSync(envFile, "utf8"));
      if (demo.KEYLESS_TOKEN && demo.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID &&
          (await healthy(port, readFileSync(caFile)))) {
        return { proc, tmp, log, origin: `https://127.0.0.1:${port}`, demo, ca: readFileSync(caFile) };
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill("SIGTERM");
  throw new Error(`keyless not ready within ${STARTUP_MS} ms:\n${log.join("")}`);
}

let failures = 0;
function check(name, ok, detail = "") {
  console.log(`${ok ? "ok" : "FAIL"} ${name}${!ok && detail ? `: ${detail}` : ""}`);
  if (!ok) failures += 1;
}

const server = await startServer();
mkdirSync(SHOTS, { recursive: true });
// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
try {
  // The server's certificate is from its own local CA, which this browser profile does not
  // trust; the TLS connection itself is still made.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.origin });
  const page = await context.newPage();
  const violations = [];
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  const shot = (name, p = page) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const { origin, demo } = server;

  await page.goto(`${origin}/_console/`);
  check("an anonymous visitor lands on sign-in", page.url() === `${origin}/_console/signin`, page.url());
  await page.keyboard.press("Tab");
  check("the first Tab reaches the skip link",
    (await page.evaluate(() => document.activeElement.className)) === "skip");
  await shot("01-sign-in");

  await page.fill("#token", "kl_wrong-token");
  await page.click("button[type=submit]");
  const refusal = await page.textContent("#signin-error").catch(() => null);
  check("a wrong token is refused with the API's text", !!refusal && refusal.length > 10, String(refusal));
  await shot("02-sign-in-refused");

  await page.fill("#token", demo.KEYLESS_TOKEN);
  await page.click("button[type=submit]");
  check("sign-in opens the organizations", page.url() === `${origin}/_console/orgs`, page.url());
  const cookie = (await context.cookies()).find((c) => c.name === "keyless_console");
  check("the session cookie is HttpOnly, Secure, SameSite=Strict, path /_console",
    !!cookie && cookie.httpOnly && cookie.secure && cookie.sameSite === "Strict" && cookie.path === "/_console",
    JSON.stringify(cookie && { ...cookie, value: "…" }));
  await shot("03-organizations");

  // Clicks the link or button `name` and waits for the page `url` (a string or a pattern).
  const follow = async (name, url, role = "link") => {
    await page.getByRole(role, { name, exact: true }).click();
    await page.waitForURL(url);
  };
  await follow("contoso", `${origin}/_console/orgs/contoso`);
  await shot("04-projects");
  await follow("web", `${origin}/_console/orgs/contoso/web`);
  const row = page.locator("tr", { hasText: "demo-connection" });
  check("the list shows the demo connection Ready", (await row.locator(".badge").textContent()) === "Ready");
  await shot("05-connections");

  await follow("demo-connection", /connections\/[0-9a-f-]+$/);
  const issuer = await page.inputValue("#issuer");
  check("the details show the issuer", issuer === `${origin}/${demo.AZURE_TENANT_ID}/v2.0`, issuer);
  await page.click("button[data-copy=issuer]");
  const copied = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => `error: ${e}`);
  check("Copy issuer puts the issuer on the clipboard", copied === issuer, copied);
  await shot("06-connection");

  await page.click("#verify");
  await page.waitForURL(/\/verify$/);
  await page.waitForSelector("#verify-steps");
  const steps = await page.locator("#verify-steps tr.step").count();
  const good = await page.locator("#verify-steps tr.step .badge.ok").count();
  check("Verify shows three succeeded steps", steps === 3 && good === 3, `${good}/${steps}`);
  await shot("07-verify");

  await follow("Run the doctor checklist", /\/doctor$/);
  check("the doctor lists its checks", (await page.locator("tr.step").count()) >= 5);
  await shot("08-doctor");

  await follow("Audit log", `${origin}/_console/audit`);
  await page.selectOption("#decision", "granted");
  await follow("Filter", /decision=granted/, "button");
  check("the audit filter reaches the URL", page.url().includes("decision=granted"), page.url());
  await shot("09-audit");

  await follow("Explain", `${origin}/_console/explain`);
  await page.fill("#code", "AADSTS700213");
  await follow("Explain", /code=AADSTS700213/, "button");
  const explanation = await page.textContent("#explanation");
  check("explain shows the catalogue entry", explanation.includes("700213"), explanation);
  await shot("10-explain");

  // The New service connection wizard: an automatic connection at the demo subscription.
  await page.goto(`${origin}/_console/orgs/contoso/web`);
  await follow("New service connection", `${origin}/_console/orgs/contoso/web/new`);
  await follow("Azure Resource Manager", `${origin}/_console/orgs/contoso/web/new/azurerm`);
  await page.selectOption("#subscription", demo.AZURE_SUBSCRIPTION_ID);
  await page.fill("#name", "wizard-made");
  await page.fill("#description", "made in the browser");
  await page.check("#grantAll");
  await shot("14-new-connection");
  await follow("Save", /connections\/[0-9a-f-]+$/, "button");
  const made = (await page.textContent("#state")) || "";
  check("the wizard's automatic connection opens Ready", made === "Ready", made);
  check("the new connection's page is named after it", (await page.textContent("h1")) === "wizard-made");
  await shot("15-new-connection-ready");

  // A manual connection saved as Draft, its credential added on the app's page, then Ready.
  await draftBecomesReady({ page, origin, demo, check, shot, api, server });

  // A federated credential whose subject no longer matches: Verify fails at the token step,
  // and the audit page shows the credential beside the assertion, the difference marked.
  const token = demo.KEYLESS_TOKEN;
  const apps = await api(server, token, "GET", `/v1.0/applications?$filter=appId eq '${demo.AZURE_CLIENT_ID}'`);
  const appId = apps.body.value[0].id;
  const fics = await api(server, token, "GET", `/v1.0/applications/${appId}/federatedIdentityCredentials`);
  const fic = fics.body.value.find((f) => f.name === "demo-connection");
  const patched = await api(server, token, "PATCH", `/v1.0/applications/${appId}/federatedIdentityCredentials/${fic.id}`,
    { subject: `${fic.subject}-renamed` });
  check("the credential's subject is changed through Graph", patched.status === 204, JSON.stringify(patched));
  await page.goto(`${origin}/_console/orgs/contoso/web/connections/${demo.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID}`);
  await page.click("#verify");
  await page.waitForURL(/\/verify$/);
  const failed = await page.locator("#verify-steps tr.step .badge.fail").count();
  check("Verify now fails at a step", failed === 1, `${failed} failed`);
  await shot("12-verify-refused");
  await page.goto(`${origin}/_console/audit?decision=denied&code=700213`);
  const marks = await page.locator("tr.nearest mark").allTextContents();
  check("the audit page marks the credential's differing part", marks.includes("-renamed"), JSON.stringify(marks));
  await shot("13-audit-nearest-credential");

  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${origin}/_console/orgs/contoso/web/connections/${demo.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID}`);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check("the details page fits a phone's width", overflow <= 0, `${overflow}px too wide`);
  await shot("11-phone-connection", phone);
  await phone.close();

  await tour({ page, origin, demo, check, shot });
  await refusedByRole({ browser, origin, demo, check, shot, api, server });
  await follow("Sign out", `${origin}/_console/signin`, "button");
  check("sign-out returns to sign-in", page.url() === `${origin}/_console/signin`, page.url());
  await page.goto(`${origin}/_console/orgs`);
  check("after sign-out the pages ask to sign in again", page.url() === `${origin}/_console/signin`, page.url());
  check("no Content Security Policy violation", violations.length === 0, violations.join("\n"));
} catch (e) {
  failures += 1;
  console.log(`FAIL ${e && e.stack ? e.stack : e}`);
} finally {
  await browser.close();
  server.proc.kill("SIGTERM");
  rmSync(server.tmp, { recursive: true, force: true });
}
console.log(`screenshots: ${SHOTS}`);
process.exit(failures ? 1 : 0);
