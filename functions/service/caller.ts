/** Who is calling a management route, as the identity provider (Cognito) says. */
export interface Caller {
  userId: string;
  tenant: string;
  isAdmin: boolean;
}
