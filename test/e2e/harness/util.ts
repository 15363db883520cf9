// Small helpers.
import { randomBytes } from 'node:crypto';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Random bytes (incompressible content). */
export function randomData(n: number): Buffer {
  return randomBytes(n);
}
