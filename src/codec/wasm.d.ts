// wrangler and @cloudflare/vitest-plugin load `*.wasm` imports as compiled
// modules (wrangler's default CompiledWasm rule).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
