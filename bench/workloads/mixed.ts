// mixed: each op is a getData with probability --read-ratio (default 0.8), otherwise a setData of
// --value-size bytes, on a random node of the --keys key space.
import { keySpaceWorkload } from './key-space.js';

export const mixedWorkload = keySpaceWorkload({
  name: 'mixed',
  summary: 'getData with probability --read-ratio, else setData, on random nodes of a --keys key space',
  prefix: 'k',
  op: (session, path, data, _n, options) => (Math.random() < options.readRatio ? session.getData(path) : session.setData(path, data)),
});
