// Default limits shared by server and client. Every payload and queue has one.

/** Largest znode data accepted, like ZooKeeper's jute.maxbuffer (1 MiB). */
export const DEFAULT_MAX_DATA_BYTES = 1024 * 1024;
/** Room for the envelope (xid, op, path, ACL...) on top of the data in one frame. */
export const FRAME_HEADER_ALLOWANCE_BYTES = 64 * 1024;
/** Largest frame either side accepts by default: 1 MiB of data + header allowance. */
export const DEFAULT_MAX_FRAME_BYTES = DEFAULT_MAX_DATA_BYTES + FRAME_HEADER_ALLOWANCE_BYTES;
/** Longest path accepted, in UTF-16 code units. */
export const MAX_PATH_LENGTH = 4096;
/** Most ops in one multi or multiRead. */
export const MAX_MULTI_OPS = 1000;
/** Most ACL entries on one znode. */
export const MAX_ACL_ENTRIES = 64;
/** Length of a session password in bytes. */
export const SESSION_PASSWD_BYTES = 16;
/** Largest TTL in ms (ZooKeeper's EphemeralType.MAX_TTL: 2^40 - 1). */
export const MAX_TTL_MS = 2 ** 40 - 1;
