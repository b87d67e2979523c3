// Moved to bench/launch (bench:compare installs ZooKeeper too, and shipped bench code cannot import test/).
export * from '../../bench/launch/debian-packages.js';
