// A request body that stops arriving. Without a limit, a client that sends the head of a push
// (or of a fetch request) and then nothing holds the Durable Object's request, its half-written
// pack file and its memory until the connection dies, which may be never. Like a web server's
// client_body_timeout (nginx: 60 s), a read that brings nothing for that long ends the request
// with an error, and whatever the request had started is dropped.
export const BODY_IDLE_TIMEOUT_MS = 60_000;

export class BodyStalledError extends Error {
  constructor(ms: number) {
    super(`request body stalled: no data for ${ms / 1000} s`);
    this.name = 'BodyStalledError';
  }
}

/** The idle limit from a setting (milliseconds as text); the default when absent or invalid. */
export function bodyIdleMs(setting: string | undefined): number {
  const n = Number(setting);
  return setting !== undefined && Number.isFinite(n) && n > 0 ? n : BODY_IDLE_TIMEOUT_MS;
}

/** `read`'s result, or a BodyStalledError if it takes longer than `ms`. */
export async function withinIdle<T>(read: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyStalledError(ms)), ms);
  });
  try {
    return await Promise.race([read, stalled]);
  } finally {
    clearTimeout(timer);
  }
}
