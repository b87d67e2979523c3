// get: getData of a random node of the --keys key space (each holding --value-size bytes).
import { keySpaceWorkload } from './key-space.js';

export const getWorkload = keySpaceWorkload({
  name: 'get',
  summary: 'getData of random nodes of a --keys key space holding --value-size bytes each',
  prefix: 'k',
  op: (session, path) => session.getData(path),
});
