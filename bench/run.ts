// `npm run bench -- <name>`: runs one benchmark; its last printed line is JSON with the figures.
import { benchmarks } from './index.js';

const name = process.argv[2];
const bench = name === undefined ? undefined : benchmarks[name];
if (bench === undefined) {
  console.error(`usage: npm run bench -- <name>\nbenchmarks: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
const figures = await bench();
console.log(JSON.stringify({ bench: name, ...figures }));
