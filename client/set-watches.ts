// The setWatches2 frames a client sends after resuming its session: every watch it still holds, with
// the last zxid it saw, so that the server fires at once whatever changed while the client was away.
// A large watch set is split so that no frame exceeds the server's limit.
import { OpCode, Xid, encode } from '../protocol/index.js';
import type { SetWatchesRequest } from '../protocol/index.js';
import type { WatchSnapshot } from './watches.js';

const LISTS = ['dataWatches', 'existWatches', 'childWatches', 'persistentWatches', 'persistentRecursiveWatches'] as const;
/** Room for the envelope and msgpack headers of one frame. */
const ENVELOPE_BYTES = 256;
/** Msgpack string header for one path, at most. */
const PATH_OVERHEAD_BYTES = 5;

function emptyRequest(relativeZxid: number): SetWatchesRequest {
  return { relativeZxid, dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] };
}

function frameOf(request: SetWatchesRequest): Uint8Array {
  return encode({ xid: Xid.SET_WATCHES, op: OpCode.setWatches2, ...request });
}

/** The frames to send; none when there is no watch. */
export function setWatchesFrames(watches: WatchSnapshot, relativeZxid: number, maxFrameBytes: number): Uint8Array[] {
  const budgetBytes = Math.max(maxFrameBytes - ENVELOPE_BYTES, 1);
  const frames: Uint8Array[] = [];
  let current = emptyRequest(relativeZxid);
  let currentBytes = 0;
  let currentCount = 0;
  for (const list of LISTS) {
    for (const path of watches[list]) {
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      const bytes = path.length * 3 + PATH_OVERHEAD_BYTES;
      if (currentCount > 0 && currentBytes + bytes > budgetBytes) {
        frames.push(frameOf(current));
        current = emptyRequest(relativeZxid);
        currentBytes = 0;
        currentCount = 0;
      }
      current[list].push(path);
      currentBytes += bytes;
      currentCount++;
    }
  }
  if (currentCount > 0) frames.push(frameOf(current));
  return frames;
}
