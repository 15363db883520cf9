// Error classes shared by the pack code.
//
// PackError means "these bytes are not a valid pack / object / delta": callers
// should reject the push (or the stored data is corrupt). NeedMoreInput is not
// a failure: a streaming caller hit the end of its buffer in the middle of a
// zlib stream and should retry once more bytes have arrived.

export class PackError extends Error {
  override name = 'PackError';
  constructor(message: string) {
    super(message);
  }
}

export class NeedMoreInput extends Error {
  override name = 'NeedMoreInput';
  constructor(message = 'need more input') {
    super(message);
  }
}
