import { DurableObject } from 'cloudflare:workers';
export class RepoObject extends DurableObject {
  ping() { return 'pong'; }
}
