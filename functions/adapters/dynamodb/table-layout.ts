/**
 * The token table's layout, in one place: the DynamoDB adapters, DynamoDB Local's table and the CDK
 * table are all built from it, so they cannot drift.
 *
 * - token        pk `TOKEN#<id>`, sk `TOKEN`; GSIs `byOwner` (`T#<tenant>#O#<owner>`), `byTenant`
 *                (`T#<tenant>`), both sorted by `<createdAt>#<id>`; `byFamily` (`F#<familyId>`); and,
 *                while active with an expiry, `byExpiry` (`EXP#<expiry day>`, sorted by expiry).
 * - family       pk `FAMILY#<familyId>`, sk `FAMILY`: the credential's state and its newest member;
 *                while a revocation's member sweep is unfinished, in `byExpiry` under `SWEEP`.
 * - description lock  pk `DESC#<tenant>#<owner>#<description key>`, sk `LOCK`: which token holds a
 *                description, so that two active tokens of one owner cannot share it.
 * - tenant policy  pk `TENANT#<tenant>`, sk `POLICY`: what the tenant's admins tightened.
 * - owner's places  pk `OWNER#<tenant>#<owner>`, sk `LIVE`: a map of the owner's credentials that count
 *                against the active-token cap (family id → until when it counts), changed in the same
 *                transaction as every change that adds or ends one, so the cap is one conditional write.
 * - feed entries  pk `FEED#<bucket>` (changes, written with them) and `DUE#<bucket>` (the authorizers'
 *                announcements of a token's end): see dynamo-revocation-feed.ts.
 * - audit event  pk `AUDIT#<id>`, sk `AUDIT`; in `byTenant` (`AUDIT#T#<tenant>`), `byOwner`
 *                (`AUDIT#T#<tenant>#O#<owner>`) and `byFamily` (`AUDIT#T#<tenant>#K#<token id>`),
 *                sorted by `<at>#<id>`: the token indexes serve the audit trail under other partitions.
 */
export const tableIndexes = {
  byOwner: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byTenant: { partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byFamily: { partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  byExpiry: { partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
} as const;

export type IndexName = keyof typeof tableIndexes;

export const TTL_ATTRIBUTE = 'ttl';

export const keys = {
  token: (id: string) => ({ pk: `TOKEN#${id}`, sk: 'TOKEN' }),
  family: (familyId: string) => ({ pk: `FAMILY#${familyId}`, sk: 'FAMILY' }),
  descriptionLock: (tenant: string, owner: string, descriptionKey: string) => ({
    pk: `DESC#${tenant}#${owner}#${descriptionKey}`,
    sk: 'LOCK',
  }),
  audit: (eventId: string) => ({ pk: `AUDIT#${eventId}`, sk: 'AUDIT' }),
  tenantPolicy: (tenant: string) => ({ pk: `TENANT#${tenant}`, sk: 'POLICY' }),
  ownerPlaces: (tenant: string, owner: string) => ({ pk: `OWNER#${tenant}#${owner}`, sk: 'LIVE' }),
} as const;

export const partitions = {
  tokensOfOwner: (tenant: string, owner: string) => `T#${tenant}#O#${owner}`,
  tokensOfTenant: (tenant: string) => `T#${tenant}`,
  membersOfFamily: (familyId: string) => `F#${familyId}`,
  expiringOn: (dayMillis: number) => `EXP#${new Date(dayMillis).toISOString().slice(0, 10)}`,
  pendingSweeps: 'SWEEP',
  auditOfOwner: (tenant: string, owner: string) => `AUDIT#T#${tenant}#O#${owner}`,
  auditOfTenant: (tenant: string) => `AUDIT#T#${tenant}`,
  auditOfToken: (tenant: string, tokenId: string) => `AUDIT#T#${tenant}#K#${tokenId}`,
} as const;

/** Sort key of time-ordered index entries: ISO time, then the id to break ties. */
export const timeOrdered = (millis: number, id: string) => `${new Date(millis).toISOString()}#${id}`;
