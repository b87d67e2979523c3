// Moved to bench/launch (canopy-bench's launchers wait for conditions too, and shipped bench code cannot import test/).
export * from '../../bench/launch/until.js';
