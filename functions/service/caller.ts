/** Who is calling a management route, as the identity provider (Cognito) says. */
export interface Caller {
  userId: string;
  tenant: string;
  isAdmin: boolean;
  /** The client address, for the audit trail. */
  sourceIp?: string;
}

/** Where an unauthenticated request (refresh, leak report) came from. */
export interface Origin {
  sourceIp?: string;
}
