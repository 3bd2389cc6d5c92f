// @azure/identity's ManagedIdentityCredential, unmodified, in a job on a self-hosted agent
// whose VM carries a system-assigned and a user-assigned identity. compat/python's
// test_managed_identity.py starts keyless, the VM, the agent and the job, and runs this with
// the job's variables (IDENTITY_ENDPOINT, IDENTITY_HEADER) and what to expect:
// EXPECT_SYSTEM_OID, EXPECT_USER_CLIENT_ID, EXPECT_USER_OID. Exit code 0: every check held.
import { ManagedIdentityCredential } from "@azure/identity";

const SCOPE = "https://management.azure.com/.default";

function claims(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

const checks = [
  ["system-assigned", () => new ManagedIdentityCredential(), process.env.EXPECT_SYSTEM_OID],
  [
    "user-assigned by client id",
    () => new ManagedIdentityCredential({ clientId: process.env.EXPECT_USER_CLIENT_ID }),
    process.env.EXPECT_USER_OID,
  ],
];

let failed = 0;
for (const [name, make, oid] of checks) {
  try {
    const token = await make().getToken(SCOPE);
    const c = claims(token.token);
    const lifetime = c.exp - c.iat;
    if (c.oid !== oid || lifetime !== 86400) {
      throw new Error(`oid ${c.oid} (want ${oid}), lifetime ${lifetime} s (want 86400)`);
    }
    console.log(`ok ${name}: oid ${c.oid}, expires ${new Date(token.expiresOnTimestamp).toISOString()}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
  }
}
process.exit(failed ? 1 : 0);
