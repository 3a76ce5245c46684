/** The caller of a request, from the verified token (or `local` when auth is off). */
export interface AuthUser {
  /** The token's `sub`: owns the conversations it creates. */
  id: string;
  roles: string[];
}

/** The user every request acts as when no auth is configured (development only). */
export const LOCAL_USER: AuthUser = Object.freeze({ id: 'local', roles: ['admin'] });

/** Whether the user may call admin endpoints. */
export function isAdmin(user: AuthUser): boolean {
  return user.roles.includes('admin');
}
