// asArborError: what a caller of the binding gets back, whatever form the transport kept.
import { describe, expect, it } from 'vitest';
import { ArborError, arborErrorName, asArborError } from '../../../src/rpc/errors';

describe('asArborError', () => {
  it('restores the type from a doubled prefix (two separately running Workers)', () => {
    const e = asArborError(new Error('NotFound: NotFound: repository not found')) as Error;
    expect(e).toBeInstanceOf(ArborError);
    expect([e.name, e.message]).toEqual(['NotFound', 'NotFound: repository not found']);
  });

  it('keeps a typed error, restores a named one, leaves foreign errors alone', () => {
    const typed = new ArborError('Conflict', 'taken');
    expect(asArborError(typed)).toBe(typed);
    const named = Object.assign(new Error('BadRequest: bad name'), { name: 'BadRequest' });
    expect((asArborError(named) as Error).message).toBe('BadRequest: bad name');
    const other = new TypeError('Failed: x');
    expect(asArborError(other)).toBe(other);
    expect(asArborError('NotFound: x')).toBe('NotFound: x');
    expect(arborErrorName(new Error('Internal: internal error'))).toBe('Internal');
  });
});
