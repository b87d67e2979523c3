// Moved to bench/launch (canopy-bench launches ensembles too, and shipped bench code cannot import test/).
export * from '../../bench/launch/canopy-config.js';
