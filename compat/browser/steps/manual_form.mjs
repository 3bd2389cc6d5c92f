// The wizard's Azure Resource Manager form, filled for a manual workload identity
// connection named `name` that uses the demo app at the demo subscription.
export async function fillManualWorkloadIdentity(p, origin, demo, name) {
  await p.goto(`${origin}/_console/orgs/contoso/web/new/azurerm`);
  await p.selectOption("#mode", "Manual");
  await p.selectOption("#scheme", "WorkloadIdentityFederation");
  await p.fill("#subscriptionOther", demo.AZURE_SUBSCRIPTION_ID);
  await p.fill("#tenant", demo.AZURE_TENANT_ID);
  await p.fill("#client", demo.AZURE_CLIENT_ID);
  await p.fill("#name", name);
}
