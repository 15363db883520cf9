// Which RegistryObject holds what. Namespace and repo names cannot contain '/' or start with
// '!', so these Durable Object names never collide.
import type { Env } from '../env';

export function registryFor(env: Env, ns: string) {
  return env.REGISTRY.get(env.REGISTRY.idFromName(`ns/${ns}`));
}

export function namespaceIndex(env: Env) {
  return env.REGISTRY.get(env.REGISTRY.idFromName('!namespaces'));
}
