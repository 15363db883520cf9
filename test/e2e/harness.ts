// End-to-end harness (one file per concern under harness/, all re-exported here): starts the
// Arbor worker locally (wrangler's unstable_startWorker, one per test file), talks to the admin
// API, and drives the real `git` CLI against it.
//
// Environment knobs (all optional):
//   ARBOR_E2E_ORIGIN        use an already running server (e.g. http://127.0.0.1:8787) instead of
//                           starting one; ARBOR_E2E_ADMIN_TOKEN then gives its admin token
//   ARBOR_E2E_WORKER=spawn  start `wrangler dev` as a child process instead of unstable_startWorker
//   ARBOR_E2E_KEEP=1        keep the temporary directories (printed at the end of each file)
//   ARBOR_E2E_LOG=<level>   wrangler log level (default "warn"; "info" shows every request)
//   ARBOR_E2E_SLOW=1        also run the tests that have to wait (token expiry)
//   ARBOR_E2E_REFERENCE=1   run against test/e2e/reference-server.ts (the contract implemented with
//                           native git http-backend) instead of Arbor: checks the tests themselves
export * from './harness/worker';
export * from './harness/temp';
export * from './harness/git';
export * from './harness/local-repos';
export * from './harness/inspect';
export * from './harness/admin-api';
export * from './harness/wire';
export * from './harness/native';
export * from './harness/util';
export * from './harness/maintenance';
