-- Each organization belongs to a cloud of its own (public, usgov, china): its Azure
-- DevOps-generation issuer is of that cloud, and a tenant of another cloud refuses that
-- issuer's tokens (AADSTS900382). Existing organizations take the cloud of the tenant they
-- are connected to, which is what keyless assumed before this column existed.
ALTER TABLE organizations ADD COLUMN cloud TEXT NOT NULL DEFAULT 'public';
UPDATE organizations
   SET cloud = (SELECT t.cloud FROM tenants t WHERE t.id = organizations.tenant_id)
 WHERE tenant_id IS NOT NULL;
