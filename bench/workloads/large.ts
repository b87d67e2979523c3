// large: setData and getData, alternately, of --value-size bytes (default 512 KiB, at most 1 MiB) on a
// small key space (default 16 nodes, so that the server holds keys × value-size bytes, not gigabytes).
// The default stays under ZooKeeper's stock jute.maxbuffer (1 MiB less one byte, counting the request's
// header), which refuses a full 1 MiB value; Canopy accepts exactly 1 MiB.
import { keySpaceWorkload } from './key-space.js';

export const LARGE_VALUE_SIZE_BYTES_DEFAULT = 512 * 1024;

export const largeWorkload = keySpaceWorkload({
  name: 'large',
  summary: 'setData and getData in turn of large values (--value-size, default 512 KiB, up to 1 MiB) over --keys nodes (default 16)',
  defaults: { valueSizeBytes: LARGE_VALUE_SIZE_BYTES_DEFAULT, keys: 16 },
  prefix: 'l',
  op: (session, path, data, n) => (n % 2 === 0 ? session.setData(path, data) : session.getData(path)),
});
