declare module 'ecdsa-sig-formatter' {
  /** DER (ASN.1) ECDSA signature → JOSE r ‖ s, base64url. */
  export function derToJose(signature: Buffer | string, alg: string): string;
  export function joseToDer(signature: Buffer | string, alg: string): Buffer;
}
