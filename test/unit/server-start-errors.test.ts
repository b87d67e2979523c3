// The one-line reasons canopy-server gives when it cannot start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/server/config.js';
import { startErrorText } from '../../src/server/start-errors.js';

function systemError(code: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(`${code}: raw message`), { code, ...fields });
}

test('errno errors become a sentence naming the file or the address; bugs keep their stack', () => {
  assert.equal(startErrorText(systemError('EADDRINUSE', { syscall: 'listen', address: '127.0.0.1', port: 2181 })),
    '127.0.0.1:2181 is already in use: another server (or another program) listens there; pick another port');
  assert.equal(startErrorText(systemError('ENOENT', { syscall: 'open', path: '/etc/zoo.cfg' })), '/etc/zoo.cfg does not exist');
  assert.match(startErrorText(systemError('EACCES', { syscall: 'listen', address: '0.0.0.0', port: 80 })), /^no permission for 0\.0\.0\.0:80 \(ports below 1024/);
  assert.equal(startErrorText(systemError('EWHATEVER', {})), 'EWHATEVER: raw message');
  assert.equal(startErrorText(new ConfigError('tickTime must be an integer')), 'configuration error: tickTime must be an integer');
  const bug = new TypeError('x is undefined');
  assert.equal(startErrorText(bug), bug.stack);
  assert.equal(startErrorText('thrown text'), 'thrown text');
});
