// One owner for picking free loopback ports: the transport's (drawn below the kernel's ephemeral range).
export { freePorts } from '../../src/transport/free-ports.js';
