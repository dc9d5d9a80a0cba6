import { ACCESS_TOKEN_PREFIX } from './token';

/**
 * What secret scanners match (docs/secret-scanning/): regular expressions in the common subset of
 * RE2 (gitleaks, TruffleHog, GitLab), Hyperscan (GitHub custom patterns) and JavaScript (secretlint),
 * so one spelling serves every scanner: no look-around, no named groups.
 *
 * - Access token: the fixed header start (`{"alg":"ES256","typ":"pat+jwt","kid":"`), a payload that
 *   is a JSON object (`eyJ`), and an ES256 signature: 86 characters whose last carries 2 bits
 *   (`[AQgw]`). Another JWT (typ `JWT`, another alg) never starts like this.
 * - Refresh key: `patr_`, a 32-hex-digit token id, a 256-bit secret (43 characters, the last
 *   carrying 4 bits) and, on keys issued since checksums, 6 base62 digits of CRC32 that a scanner
 *   verifies offline (`refreshKeyChecksum`).
 */
export const ACCESS_TOKEN_REGEX = `\\b${ACCESS_TOKEN_PREFIX}[IJ][A-Za-z0-9_-]{10,300}\\.eyJ[A-Za-z0-9_-]{10,4000}\\.[A-Za-z0-9_-]{85}[AQgw]\\b`;

export const REFRESH_KEY_REGEX = '\\bpatr_[0-9a-f]{32}_[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048](?:[0-9A-Za-z]{6})?\\b';

/** Literal strings a scanner looks for before running the expressions (gitleaks and TruffleHog keywords). */
export const SECRET_KEYWORDS = [ACCESS_TOKEN_PREFIX, 'patr_'] as const;
