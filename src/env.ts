import type { RepoObject } from './repo/repo-object';
import type { RegistryObject } from './registry/registry-object';

export interface Env {
  REPO: DurableObjectNamespace<RepoObject>;
  /** Name indexes: one per namespace (its repos) plus one listing the namespaces. */
  REGISTRY: DurableObjectNamespace<RegistryObject>;
  /** Packs published for forks (storage/publish.ts): each fork DO reads its origin's packs here. */
  PACKS?: R2Bucket;
  /** Test knob: a fork's snapshot up to this many bytes is read whole before a request (default 32 MiB; 0: every read faults). */
  ARBOR_SNAPSHOT_PREFETCH_BYTES?: string;
  ARBOR_SNAPSHOT_WINDOW_BYTES?: string;
  /** Objects one housekeeping run lists in memory (default 250000, ~64 MB; a gc or full repack of a
   *  store over it goes in parts, src/storage/housekeeping/parts.ts). Lower it for an isolate that
   *  must keep more room for requests; the bench lowers it to measure parts on its large repo. */
  ARBOR_HK_MAX_RUN_OBJECTS?: string;
  /** Admin secret for the control plane (wrangler secret / .dev.vars / --var). */
  ARBOR_ADMIN_TOKEN?: string;
  /** Force the accelerator: 'wasm', 'ts' or 'auto' (default: measured per function and size). */
  ARBOR_ACCEL?: string;
  /** Public origin for remote URLs handed out by the RPC binding (REST uses the request's). */
  ARBOR_ORIGIN?: string;
  /** Origins that browsers may call /git/* and /v1/* from: comma-separated, or `*` (src/http/cors.ts). */
  ARBOR_CORS_ORIGINS?: string;
  /** Test knob: webhook retry delays in ms, e.g. "100,200,400" (default 10 s, 30 s, 2 min, ... 6 h). */
  ARBOR_WEBHOOK_BACKOFF_MS?: string;
  /** How long a request body may send nothing before the request ends (ms; default 60000). */
  ARBOR_BODY_IDLE_TIMEOUT_MS?: string;
  /** Test knob: how long a webhook receiver may take to answer (default 10000 ms). */
  ARBOR_WEBHOOK_TIMEOUT_MS?: string;
  /**
   * "1": imports and webhooks may reach loopback, private and link-local addresses (local runs
   * and tests, where the remote is on 127.0.0.1). Unset: refused (src/net/address.ts).
   */
  ARBOR_ALLOW_PRIVATE_NETWORKS?: string;
}
