// `npm run check:history -- <run folder or history.json>...`: checks saved register histories again (after
// a checker change, or to read a violation's timeline). Exits 1 if any history fails.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkRegisterHistory } from './checker/index.js';
import type { RegisterHistory } from './checker/index.js';

function historyFile(arg: string): string {
  return existsSync(arg) && statSync(arg).isDirectory() ? join(arg, 'history.json') : arg;
}

let failed = false;
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run check:history -- <run folder or history.json>...');
  process.exit(2);
}
for (const arg of files) {
  const file = historyFile(arg);
  const history = JSON.parse(readFileSync(file, 'utf8')) as RegisterHistory;
  const r = checkRegisterHistory(history);
  console.log(`${file}: ${r.verdict} (${r.ops} ops, ${r.keys} keys, ${r.stats.ms.toFixed(0)} ms)`);
  for (const v of r.violations) console.log(`\n${v.kind} on ${v.key}: ${v.message}\n${v.timeline}`);
  if (r.verdict !== 'ok') failed = true;
}
process.exit(failed ? 1 : 0);
