export { RepoObject } from './repo/repo-object';
export { RegistryObject } from './repo/registry-object';
export default {
  async fetch(): Promise<Response> { return new Response('arbor'); },
} satisfies ExportedHandler;
