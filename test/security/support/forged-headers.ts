import { createHmac, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { LocalKeyRing } from '../../../functions/adapters/local-signer';
import { b64, es256, type Forge, jws } from './jws-forgery';

/**
 * Forged headers: other algorithms (none, HMAC keyed with the public key, RSA, other curves, EdDSA,
 * odd spellings of ES256), wrong or odd key ids, and headers that carry or point at the attacker's
 * key (jwk, jku, x5u, x5c). None of them may get past the verifier.
 */

// A 64-byte signature of another algorithm has s > n/2 half of the time: refused for its spelling
// before its algorithm is looked at.
const spellingOrAlgorithm = ['non_canonical', 'wrong_algorithm'] as const;

/** The `alg` group: every algorithm but ES256, and ES256 misspelt. */
export async function algorithmCases({ m, add, payload, signature, claims, realHeader, signReal }: Forge): Promise<void> {
  // alg none, in every spelling, with and without the original signature.
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add('alg', `alg ${alg}, empty signature`, 'non_canonical', `${b64({ alg, typ: 'JWT', kid: m.realKid })}.${payload}.`);
    add(
      'alg',
      `alg ${alg}, original signature kept`,
      'wrong_algorithm',
      `${b64({ alg, typ: 'JWT', kid: m.realKid })}.${payload}.${signature}`,
    );
  }
  add('alg', 'alg none, no signature segment', 'non_canonical', `${b64({ alg: 'none', typ: 'JWT' })}.${payload}`);

  // HMAC with the public key (in each form an implementation might feed to HMAC) as the secret.
  const jwkText = JSON.stringify((await new LocalKeyRing(m.realKey).publicKeys())[0]);
  const der = createPublicKey(m.realKey).export({ format: 'der', type: 'spki' });
  const hmacSecrets: Array<[string, Buffer | string]> = [
    ['PEM', m.realPem],
    ['PEM without trailing newline', m.realPem.trim()],
    ['DER', der],
    ['JWK JSON', jwkText],
  ];
  for (const [form, secret] of hmacSecrets) {
    add(
      'alg',
      `HS256 with the public key (${form}) as secret`,
      'non_canonical',
      jws({ alg: 'HS256', typ: 'JWT', kid: m.realKid }, claims, (i) => createHmac('sha256', secret).update(i).digest()),
    );
  }
  add(
    'alg',
    'HS384 with the public key (PEM) as secret',
    'non_canonical',
    jws({ alg: 'HS384', typ: 'JWT', kid: m.realKid }, claims, (i) => createHmac('sha384', m.realPem).update(i).digest()),
  );
  add(
    'alg',
    'HS512 with the public key (PEM) as secret',
    spellingOrAlgorithm,
    jws({ alg: 'HS512', typ: 'JWT', kid: m.realKid }, claims, (i) => createHmac('sha512', m.realPem).update(i).digest()),
  );

  // Other algorithms with attacker keys, under our kid.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  add(
    'alg',
    'RS256 signed by an attacker RSA key',
    'non_canonical',
    jws({ alg: 'RS256', typ: 'JWT', kid: m.realKid }, claims, (i) => sign('sha256', Buffer.from(i), rsa.privateKey)),
  );
  add(
    'alg',
    'PS256 signed by an attacker RSA key',
    'non_canonical',
    jws({ alg: 'PS256', typ: 'JWT', kid: m.realKid }, claims, (i) =>
      sign('sha256', Buffer.from(i), { key: rsa.privateKey, padding: 6, saltLength: 32 }),
    ),
  );
  // Other curves, under our kid: ES384's and ES512's signatures are not 64 bytes long (refused for their
  // spelling); secp256k1's is, and is refused for its spelling or its algorithm.
  for (const [alg, curve, hash, reason] of [
    ['ES384', 'P-384', 'sha384', 'non_canonical'],
    ['ES512', 'P-521', 'sha512', 'non_canonical'],
    ['ES256K', 'secp256k1', 'sha256', spellingOrAlgorithm],
  ] as const) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
    add(
      'alg',
      `${alg} signed by an attacker ${curve} key`,
      reason,
      jws({ alg, typ: 'JWT', kid: m.realKid }, claims, (i) => sign(hash, Buffer.from(i), { key: privateKey, dsaEncoding: 'ieee-p1363' })),
    );
  }
  const ed = generateKeyPairSync('ed25519');
  add(
    'alg',
    'EdDSA signed by an attacker Ed25519 key',
    spellingOrAlgorithm,
    jws({ alg: 'EdDSA', typ: 'JWT', kid: m.realKid }, claims, (i) => sign(null, Buffer.from(i), ed.privateKey)),
  );
  add(
    'alg',
    'alg ES256 with a real signature, alg written es256',
    'wrong_algorithm',
    jws({ ...realHeader, alg: 'es256' }, claims, signReal),
  );
  add('alg', 'alg as an array ["ES256"], real signature', 'wrong_algorithm', jws({ ...realHeader, alg: ['ES256'] }, claims, signReal));
  add('alg', 'alg missing, real signature', 'wrong_algorithm', jws({ typ: 'JWT', kid: m.realKid }, claims, signReal));
}

/** The attacker's own P-256 key, and its RFC 7638 thumbprint as a key id. */
export async function attackerKey() {
  const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attackerJwk = attackerEc.publicKey.export({ format: 'jwk' });
  const attackerKid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: attackerJwk.x!, y: attackerJwk.y! });
  const signAttacker = (input: string) => es256(attackerEc.privateKey, input);
  return { attackerEc, attackerJwk, attackerKid, signAttacker };
}

/** The `kid` and `jku/x5u/jwk` groups: whose key the header names, or hands over. */
export async function keyCases({ m, add, claims, realHeader, signReal }: Forge): Promise<void> {
  const { attackerEc, attackerJwk, attackerKid, signAttacker } = await attackerKey();
  // kid: wrong, missing, of another key, odd types — signed by an attacker P-256 key.
  add('kid', 'our kid, attacker P-256 signature', 'bad_signature', jws(realHeader, claims, signAttacker));
  add('kid', 'kid missing, attacker signature', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT' }, claims, signAttacker));
  add('kid', 'kid empty, attacker signature', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT', kid: '' }, claims, signAttacker));
  add(
    'kid',
    "kid of the attacker's key (its thumbprint)",
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', kid: attackerKid }, claims, signAttacker),
  );
  add(
    'kid',
    'kid as a path (../../dev/null)',
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', kid: '../../../../dev/null' }, claims, signAttacker),
  );
  add('kid', 'kid as an injection string', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT', kid: "x' OR '1'='1" }, claims, signAttacker));
  add('kid', 'kid as a number', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT', kid: 1 }, claims, signAttacker));
  add('kid', 'kid as an array holding our kid', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT', kid: [m.realKid] }, claims, signAttacker));
  add('kid', 'kid missing, real signature', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT' }, claims, signReal));
  add('kid', 'kid of another key, real signature', 'unknown_kid', jws({ ...realHeader, kid: attackerKid }, claims, signReal));
  add(
    'kid',
    'our kid with a trailing space, real signature',
    'unknown_kid',
    jws({ ...realHeader, kid: `${m.realKid} ` }, claims, signReal),
  );
  add(
    'kid',
    "another deployment's key and kid, same claims",
    'unknown_kid',
    jws({ ...realHeader, kid: m.otherDeployment.kid }, claims, (i) => es256(m.otherDeployment.key, i)),
  );

  // Key-bearing headers pointing at (or holding) the attacker's key.
  const attackerPublic = { kty: 'EC', crv: 'P-256', x: attackerJwk.x, y: attackerJwk.y };
  add(
    'jku/x5u/jwk',
    'jwk header with the attacker key, no kid',
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', jwk: attackerPublic }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'jwk header with the attacker key under our kid',
    'bad_signature',
    jws({ ...realHeader, jwk: { ...attackerPublic, kid: m.realKid } }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'jku at an attacker JWKS, attacker kid',
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', kid: attackerKid, jku: 'http://127.0.0.1:9/jwks.json' }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'jku at an attacker JWKS, our kid',
    'bad_signature',
    jws({ ...realHeader, jku: 'http://127.0.0.1:9/jwks.json' }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    "jku at the service's own JWKS, attacker signature",
    'bad_signature',
    jws({ ...realHeader, jku: `${m.serviceUrl}/.well-known/jwks.json` }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'x5u at an attacker certificate',
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', kid: attackerKid, x5u: 'http://127.0.0.1:9/cert.pem' }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'x5c holding the attacker key',
    'unknown_kid',
    jws(
      { alg: 'ES256', typ: 'JWT', x5c: [attackerEc.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')] },
      claims,
      signAttacker,
    ),
  );
}
