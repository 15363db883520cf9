// Between the services that run isomorphic-git on a repository's git directory view (merge.ts,
// refs-write.ts) and the view itself: idents in isomorphic-git's shape, and the view's Node-style
// errors (ESTALE, EROFS, EINVAL ...) as ServiceErrors with the statuses the API documents.
import { MountRefusal } from '../../dofs';
import type { RepoContext } from './context';
import { ServiceError } from './errors';
import { isProtectionRefusal } from '../storage/rules';
import type { Ident } from './ident';

/** An ident as isomorphic-git takes it (timezoneOffset in minutes, west positive, like Date#getTimezoneOffset). */
export function isoIdent(i: Ident): { name: string; email: string; timestamp: number; timezoneOffset: number } {
  const sign = i.timezone.startsWith('-') ? -1 : 1;
  const minutes = Number(i.timezone.slice(1, 3)) * 60 + Number(i.timezone.slice(3, 5));
  return { name: i.name, email: i.email, timestamp: i.timestamp, timezoneOffset: -sign * minutes || 0 };
}

/** A failure of a view operation as a ServiceError (ServiceErrors and unknown errors pass through). */
export function fromViewError(e: unknown, what: string, ref: string, ctx: RepoContext, staleCode: 'stale_head' | 'stale_ref' = 'stale_head'): unknown {
  if (e instanceof ServiceError) return e;
  const code = (e as { code?: unknown })?.code;
  const message = (e as Error)?.message ?? String(e);
  // The view's reason follows the Node prefix ("ESTALE: stale file handle, open 'x': <reason>").
  const reason = e instanceof MountRefusal ? e.reason : message.replace(/^E[A-Z]+: [^,]*, \w+ '[^']*': /, '');
  switch (code) {
    case 'ESTALE': {
      const now = ctx.store.refs.get(ref);
      const details = staleCode === 'stale_head' ? { currentHead: now } : { current: now };
      return new ServiceError(409, staleCode, `'${what}' moved while this request ran (now ${now ?? 'absent'}): ${reason}`, details);
    }
    case 'EROFS':
      return new ServiceError(403, 'forbidden', reason);
    case 'EINVAL':
    case 'EFBIG':
      // A branch protection rule refused the ref update: 403, as the commit API answers it.
      if (isProtectionRefusal(reason.replace(/^ref update of \S+ rejected: /, ''))) return new ServiceError(403, 'protected_branch', reason);
      return new ServiceError(422, 'unprocessable', reason);
  }
  return e;
}
