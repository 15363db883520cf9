// Admin authentication for the control plane: `Authorization: Bearer <ARBOR_ADMIN_TOKEN>`.
import { credentialFrom, safeEqual } from '../auth/tokens';
import { HttpError, unauthorized } from './errors';

export function requireAdmin(request: Request, adminToken: string | undefined): void {
  if (!adminToken) throw new HttpError(503, 'not_configured', 'ARBOR_ADMIN_TOKEN is not set on this server');
  const cred = credentialFrom(request.headers.get('authorization'));
  if (!cred) throw unauthorized('admin token required');
  if (!safeEqual(cred, adminToken)) throw unauthorized('invalid admin token');
}
