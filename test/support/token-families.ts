/**
 * Credentials (token families) as `GET /tokens` lists them, for the CLI and console tests that fake
 * the service's answer: Vendor A refreshed up to generation 15 (14 rotated two hours ago and still in
 * its grace period, 13 long past it), and Reports, a credential never refreshed. All of kim in acme.
 */
export const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

/** One token as listed, `fields` over an active candidates:read token of kim's. */
export const listedToken = (id: string, fields: Record<string, unknown>) => ({
  id,
  owner: 'kim',
  tenant: 'acme',
  createdBy: 'kim',
  scopes: ['candidates:read'],
  allowedIps: [],
  expiresAt: '2099-01-01T00:00:00Z',
  lastUsedAt: null,
  status: 'active',
  ...fields,
});

const rotated = (id: string, generation: number, hours: { created: number; rotated: number; graceUntil: number }) =>
  listedToken(id, {
    description: 'Vendor A',
    familyId: 'a01',
    generation,
    createdAt: hoursAgo(hours.created),
    status: 'revoked',
    revokeReason: 'rotated',
    revokedAt: hoursAgo(hours.rotated),
    graceUntil: hoursAgo(hours.graceUntil),
  });

/** Made anew for each test: the times are relative to now. */
export const vendorFamilies = () => ({
  vendorA15: listedToken('a15', { description: 'Vendor A', familyId: 'a01', generation: 15, createdAt: hoursAgo(2) }),
  vendorA14: rotated('a14', 14, { created: 50, rotated: 2, graceUntil: -0.01 }),
  vendorA13: rotated('a13', 13, { created: 98, rotated: 50, graceUntil: 48 }),
  reports: listedToken('b01', { description: 'Reports', familyId: 'b01', generation: 1, createdAt: hoursAgo(200) }),
});
