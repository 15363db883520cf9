// The one error an ingest throws for anything wrong with the pack it was given (format, limits,
// validation, connectivity): callers tell a refused pack from a fault of their own by its class.
// Its own file so the ingest's parts (ingest.ts, ingest-resolve.ts, ingest-refs.ts) share it
// without importing each other in a circle.
export class IngestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngestError';
  }
}
