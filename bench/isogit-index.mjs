// Child process of index-bench.mjs: isomorphic-git's indexPack over a node:fs copy of a pack.
// Usage: node bench/isogit-index.mjs <dir> <file.pack>. Prints one JSON line: the time, the
// object count, the peak V8 heap (and heap + ArrayBuffers) sampled at each of indexPack's
// progress callbacks (one per percent and phase, no inspector slowing it down) and the
// process's peak RSS. The .idx lands next to the pack.
import fs from 'node:fs';
import v8 from 'node:v8';
import git from 'isomorphic-git';

const [dir, file] = process.argv.slice(2);
const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
let heapPeak = 0;
let withBuffersPeak = 0;
const sample = () => {
  const used = v8.getHeapStatistics().used_heap_size;
  heapPeak = Math.max(heapPeak, used);
  withBuffersPeak = Math.max(withBuffersPeak, used + process.memoryUsage().arrayBuffers);
};
sample();
const heapRest = heapPeak;
const t = process.hrtime.bigint();
const { oids } = await git.indexPack({ fs, dir, gitdir: dir, filepath: file, onProgress: sample });
const ms = Number(process.hrtime.bigint() - t) / 1e6;
sample(); // nothing collected yet: what indexPack built is still counted
process.stdout.write(
  JSON.stringify({ ms, objects: oids.length, heapRest, heapPeak, withBuffersPeak, rssBeforeKiB, maxRssKiB: process.resourceUsage().maxRSS }) + '\n',
);
