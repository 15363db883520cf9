// Just what src/codec/purejs.ts uses of two untyped CommonJS packages that
// isomorphic-git depends on (pako 1.x, sha.js 2.x); neither ships types.
declare module 'pako' {
  interface ZStream {
    /** Input bytes not consumed (left after the end of the stream). */
    avail_in: number;
  }
  export class Inflate {
    constructor(options?: { chunkSize?: number });
    push(data: Uint8Array, mode: boolean): boolean;
    err: number;
    msg: string;
    result: Uint8Array;
    strm: ZStream;
  }
  export function deflate(data: Uint8Array, options?: { level?: number }): Uint8Array;
  export function inflate(data: Uint8Array): Uint8Array;
  const pako: { Inflate: typeof Inflate; deflate: typeof deflate; inflate: typeof inflate };
  export default pako;
}

declare module 'sha.js/sha1.js' {
  class Sha1 {
    update(data: Uint8Array | string): this;
    digest(encoding: 'hex'): string;
  }
  export default Sha1;
}
