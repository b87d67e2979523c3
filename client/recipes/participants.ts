// The line of participants shared by the leader latch and the leader selector: ephemeral sequential
// nodes under one parent, each holding its participant's id as data. The lowest sequence leads; every
// other participant watches only the node just ahead of it (no herd when the leader goes).
import type { Client } from '../client.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { baseName, joinPath, sortBySequence } from './internal/sequence.js';

export interface Participant {
  /** The id the participant gave (its node's data). */
  id: string;
  isLeader: boolean;
  /** Its node's full path. */
  path: string;
}

/** Where a node stands in the line: its index (-1 when it is not there) and the node just ahead. */
export interface Standing {
  index: number;
  /** Full path of the predecessor; undefined for the leader or a missing node. */
  predecessor?: string;
}

const utf8 = new TextDecoder();

/** The participant nodes of `parent`, in line order ([] when the parent does not exist). */
export async function lineOf(client: Client, parent: string): Promise<string[]> {
  try {
    return sortBySequence((await client.getChildren(parent)).children);
  } catch (e) {
    if (KeeperError.is(e, ErrorCode.NONODE)) return [];
    throw e;
  }
}

export function standingOf(parent: string, line: readonly string[], ourPath: string): Standing {
  const index = line.indexOf(baseName(ourPath));
  if (index <= 0) return { index };
  return { index, predecessor: joinPath(parent, line[index - 1]!) };
}

/** Every participant with its id; nodes that go away while being read are left out. */
export async function readParticipants(client: Client, parent: string): Promise<Participant[]> {
  const line = await lineOf(client, parent);
  const participants: Participant[] = [];
  for (const name of line) {
    const path = joinPath(parent, name);
    try {
      const { data } = await client.getData(path);
      participants.push({ id: utf8.decode(data), isLeader: false, path });
    } catch (e) {
      if (!KeeperError.is(e, ErrorCode.NONODE)) throw e;
    }
  }
  if (participants.length > 0) participants[0]!.isLeader = true;
  return participants;
}
