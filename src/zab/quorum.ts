// Majority quorums over the voting members.

/** The smallest number of voters that is a majority of n. */
export function quorumSize(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** The k-th largest value (k from 1), or -1 when fewer than k values are given. */
export function kthLargest(values: number[], k: number): number {
  if (values.length < k) return -1;
  const sorted = [...values].sort((a, b) => b - a);
  return sorted[k - 1]!;
}
