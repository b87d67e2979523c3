// set: setData of --value-size bytes on a random node of the --keys key space.
import { keySpaceWorkload } from './key-space.js';

export const setWorkload = keySpaceWorkload({
  name: 'set',
  summary: 'setData of --value-size bytes on random nodes of a --keys key space',
  prefix: 'k',
  op: (session, path, data) => session.setData(path, data),
});
