import { generateKeyPairSync, sign } from 'node:crypto';
import {
  DisabledException,
  GetPublicKeyCommand,
  KMSClient,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  SignCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { KmsKeyRing } from '../../functions/adapters/kms-signer';
import type { LocalKeyRing } from '../../functions/adapters/local-signer';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { authorizerFor, ISSUER, tokenService } from '../support/fixtures';
import { authRequest, expectUnavailable, faultSuite, metadata, outcomeName, viaHttp } from './support/fault-injection';

/**
 * KMS failing (aws-sdk-client-mock on the real KmsKeyRing): issuing answers 503 and writes nothing,
 * a Sign answer without a signature is no token, and the authorizer throws while it cannot fetch
 * the public key, without caching the failure.
 */

const { rows, scenario, table: faultTable } = faultSuite('KMS');

describe.concurrent('KMS faults', () => {
  const kmsKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = kmsKey.publicKey.export({ format: 'der', type: 'spki' });
  const kmsErrors: Record<string, () => Error> = {
    KMSInternalException: () => new KMSInternalException({ message: 'internal', $metadata: metadata(500) }),
    ThrottlingException: () =>
      new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: metadata(400) }),
    DisabledException: () => new DisabledException({ message: 'key disabled', $metadata: metadata(400) }),
    KMSInvalidStateException: () => new KMSInvalidStateException({ message: 'pending deletion', $metadata: metadata(400) }),
    TimeoutError: () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }),
  };

  function kmsRing() {
    const client = new KMSClient({ region: 'local' });
    const kms = mockClient(client);
    kms.on(GetPublicKeyCommand).resolves({ KeyId: 'key-1', PublicKey: new Uint8Array(spki), KeySpec: 'ECC_NIST_P256' });
    kms.on(SignCommand).callsFake(async (input: { Message: Uint8Array }) => ({
      KeyId: 'key-1',
      Signature: new Uint8Array(sign('sha256', Buffer.from(input.Message), { key: kmsKey.privateKey, dsaEncoding: 'der' })),
    }));
    return { kms, ring: new KmsKeyRing(client, ['key-1']) };
  }

  function kmsScenario() {
    const { kms, ring } = kmsRing();
    const s = scenario();
    const service = tokenService(faultTable().store, s.clock, { keys: ring as unknown as LocalKeyRing }).service;
    return { ...s, kms, ring, service };
  }

  for (const [name, error] of Object.entries(kmsErrors)) {
    it(`create with Sign failing (${name}) is 503 and writes nothing`, async () => {
      const s = kmsScenario();
      s.kms.on(SignCommand).rejects(error());
      const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'kms', scopes: ['jobs:read'] }));
      expectUnavailable(outcome);
      expect(await s.ownItems()).toEqual([]);
      rows.push(['create', `KMS Sign ${name}`, '1', outcomeName(outcome.error), String(outcome.status), '0']);
    });
  }

  it('refresh with Sign failing is 503: old token active, no successor', async () => {
    const s = kmsScenario();
    const issued = await s.service.create(s.caller, { description: 'kms refresh', scopes: ['jobs:read'] });
    const before = await s.ownItems();
    s.kms.on(SignCommand).rejects(kmsErrors.KMSInternalException!());
    const outcome = await viaHttp(() => s.service.refresh(issued.refreshKey));
    expectUnavailable(outcome);
    expect(await s.ownItems()).toEqual(before);
    rows.push(['refresh', 'KMS Sign KMSInternalException', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('a Sign answer without a signature is 503, not a token', async () => {
    const s = kmsScenario();
    s.kms.on(SignCommand).resolves({ KeyId: 'key-1' });
    const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'kms empty', scopes: ['jobs:read'] }));
    expectUnavailable(outcome);
    expect(await s.ownItems()).toEqual([]);
    rows.push(['create', 'KMS Sign without Signature', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('create with GetPublicKey failing is 503 and writes nothing', async () => {
    const s = kmsScenario();
    s.kms.on(GetPublicKeyCommand).rejects(kmsErrors.ThrottlingException!());
    const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'kms kid', scopes: ['jobs:read'] }));
    expectUnavailable(outcome);
    expect(await s.ownItems()).toEqual([]);
    rows.push(['create', 'KMS GetPublicKey ThrottlingException', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('the authorizer throws while the public key cannot be fetched, and recovers once KMS answers (a failure is not cached)', async () => {
    const s = kmsScenario();
    const issued = await s.service.create(s.caller, { description: 'kms authz', scopes: ['jobs:read'] });
    const { kms, ring } = kmsRing();
    kms.on(GetPublicKeyCommand).rejects(kmsErrors.KMSInternalException!());
    const authorizer = authorizerFor(faultTable().store, s.clock, ring as unknown as LocalKeyRing, {
      verifier: new Es256JwtVerifier(ring, { issuer: ISSUER, clock: s.clock, allowNoExpiry: false }),
    });
    await expect(authorizer.authorize(authRequest(issued.accessToken))).rejects.toBeInstanceOf(DependencyUnavailable);
    kms.on(GetPublicKeyCommand).resolves({ KeyId: 'key-1', PublicKey: new Uint8Array(spki), KeySpec: 'ECC_NIST_P256' });
    expect((await authorizer.authorize(authRequest(issued.accessToken))).effect).toBe('allow');
    rows.push(['authorizer', 'KMS GetPublicKey KMSInternalException', '1', 'threw, then allowed after recovery', 'deny', '-']);
  });
});
