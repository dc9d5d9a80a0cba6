import { generateKeyPairSync, sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyRing } from '../../functions/adapters/kms-signer';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { signAccessToken } from '../../functions/service/jws';

// KMS has no local emulator: the mock answers as KMS does, with a real P-256 key — DER signatures
// and a DER SubjectPublicKeyInfo — so the DER → JOSE conversion and the kid are truly exercised.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kms = mockClient(KMSClient);
const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const claims = {
  iss: 'https://pat.example',
  sub: 'alice',
  tid: 'acme',
  jti: '0123456789abcdef0123456789abcdef',
  scope: 'jobs:read',
  iat: 1_800_000_000,
  exp: 4_000_000_000,
};

const publicKeyResponse = {
  KeyId: keyArn,
  KeySpec: 'ECC_NIST_P256' as const,
  KeyUsage: 'SIGN_VERIFY' as const,
  PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
};

beforeEach(() => {
  kms.reset();
  kms.on(GetPublicKeyCommand).resolves(publicKeyResponse);
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array }) => ({
    KeyId: keyArn,
    SigningAlgorithm: 'ECDSA_SHA_256',
    Signature: new Uint8Array(sign('sha256', input.Message, { key: privateKey, dsaEncoding: 'der' })),
  }));
});

describe('KMS signer', () => {
  it('signs JWTs that jose verifies against the published key', async () => {
    const ring = new KmsKeyRing(new KMSClient({ region: 'eu-west-1' }), [keyArn]);

    const token = await signAccessToken(claims, ring);
    const keySet = createLocalJWKSet({ keys: await ring.publicKeys() });
    const { payload, protectedHeader } = await jwtVerify(token, keySet, { algorithms: ['ES256'], issuer: claims.iss });

    expect(payload).toMatchObject(claims);
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'pat+jwt', kid: (await ring.publicKeys())[0]!.kid });
    expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(64);
  });

  it('asks KMS to sign the JWS signing input with ECDSA_SHA_256 as a raw message', async () => {
    const ring = new KmsKeyRing(new KMSClient({ region: 'eu-west-1' }), [keyArn]);
    const token = await signAccessToken(claims, ring);

    const [call] = kms.commandCalls(SignCommand);
    expect(call!.args[0].input).toMatchObject({ KeyId: keyArn, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(call!.args[0].input.Message!).toString()).toBe(token.split('.').slice(0, 2).join('.'));
  });

  it('fetches the public key once, however many tokens it signs', async () => {
    const ring = new KmsKeyRing(new KMSClient({ region: 'eu-west-1' }), [keyArn]);
    for (let i = 0; i < 5; i++) await signAccessToken(claims, ring);
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(SignCommand)).toHaveLength(5);
  });

  it('turns a KMS failure into DependencyUnavailable, and retries the key fetch later', async () => {
    kms
      .on(GetPublicKeyCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .resolves(publicKeyResponse);
    const ring = new KmsKeyRing(new KMSClient({ region: 'eu-west-1' }), [keyArn]);
    await expect(ring.publicKeys()).rejects.toBeInstanceOf(DependencyUnavailable);
    await expect(ring.publicKeys()).resolves.toHaveLength(1);

    kms.on(SignCommand).rejects(Object.assign(new Error('disabled'), { name: 'DisabledException' }));
    await expect(signAccessToken(claims, ring)).rejects.toBeInstanceOf(DependencyUnavailable);
  });

  it('refuses a key that is not ECC_NIST_P256', async () => {
    kms.on(GetPublicKeyCommand).resolves({ KeyId: keyArn, KeySpec: 'RSA_2048', PublicKey: new Uint8Array(8) });
    const ring = new KmsKeyRing(new KMSClient({ region: 'eu-west-1' }), [keyArn]);
    await expect(ring.publicKeys()).rejects.toThrow();
  });
});
