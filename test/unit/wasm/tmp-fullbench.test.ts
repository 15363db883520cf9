import { it } from 'vitest';
import { runMicroBench } from '../../../src/wasm/bench';
it('full bench', () => { runMicroBench({ quick: false, only: process.env.ONLY }); runMicroBench({ quick: false, only: process.env.ONLY }); }, 300_000);
