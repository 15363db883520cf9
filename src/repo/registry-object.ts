import { DurableObject } from 'cloudflare:workers';
export class RegistryObject extends DurableObject {}
