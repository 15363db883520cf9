import { describe, expect, it } from 'vitest';
import { pumped } from '../../../src/protocol/progress-pump';

const b = (s: string) => new TextEncoder().encode(s);
const text = (u: Uint8Array) => new TextDecoder().decode(u);

describe('pumped', () => {
  it('yields what a step emits while the step is still running, then returns its result', async () => {
    let finish!: (v: number) => void;
    const gate = new Promise<number>((r) => (finish = r));
    const gen = pumped(async (emit) => {
      await emit([b('one\r')]);
      await emit([b('two\r'), b('three\n')]);
      return gate;
    });
    // The first three chunks arrive although the step has not ended.
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(text((await gen.next()).value as Uint8Array));
    expect(got).toEqual(['one\r', 'two\r', 'three\n']);
    const last = gen.next();
    finish(42);
    expect(await last).toEqual({ done: true, value: 42 });
  });

  it('passes the step\'s error on after what it emitted before failing', async () => {
    const gen = pumped(async (emit) => {
      await emit([b('before\n')]);
      throw new Error('broken pack');
    });
    expect(text((await gen.next()).value as Uint8Array)).toBe('before\n');
    await expect(gen.next()).rejects.toThrow('broken pack');
  });

  it('works with yield* inside another generator', async () => {
    async function* outer(): AsyncGenerator<Uint8Array, void> {
      const n = yield* pumped(async (emit) => {
        await emit([b('x')]);
        return 7;
      });
      yield b(`result ${n}`);
    }
    const out: string[] = [];
    for await (const c of outer()) out.push(text(c));
    expect(out).toEqual(['x', 'result 7']);
  });
});
