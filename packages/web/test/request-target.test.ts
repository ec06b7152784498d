/** Which Host headers and request targets the server answers, as pure functions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedHost, requestPath } from '../src/request-target.ts';

test('allowedHost: the three loopback names on our port, in any case, and nothing else', () => {
  for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LocalHost:8080', 'LOCALHOST:8080', '[::1]:8080'])
    assert.equal(allowedHost(host, 8080), true, host);
  const refused = [
    undefined,
    '',
    'evil.com:8080',
    'localhost.evil.com:8080',
    'localhost:8080.evil.com',
    'evil.localhost:8080',
    '127.0.0.1:8081',
    '127.0.0.1:80',
    '127.0.0.1',
    'localhost',
    '127.0.0.1:08080',
    '127.0.0.2:8080',
    '0.0.0.0:8080',
    '2130706433:8080',
    '[::ffff:127.0.0.1]:8080',
    '::1:8080',
    'localhost.:8080',
    'user@localhost:8080',
    ' localhost:8080',
  ];
  for (const host of refused) assert.equal(allowedHost(host, 8080), false, String(host));
});

test('allowedHost: on port 80 the bare name is the same address (clients leave the default port out)', () => {
  for (const host of ['127.0.0.1', 'localhost', '[::1]', 'localhost:80']) assert.equal(allowedHost(host, 80), true, host);
  assert.equal(allowedHost('evil.com', 80), false);
  assert.equal(allowedHost('localhost:8080', 80), false);
});

test('requestPath: origin-form targets give their path, a forged Host gives nothing', () => {
  assert.equal(requestPath('/files/a%20b/x.png?v=1', 'localhost:8080', 8080), '/files/a%20b/x.png');
  assert.equal(requestPath('//evil.com/files/x', 'localhost:8080', 8080), '//evil.com/files/x');
  assert.equal(requestPath('/files/x', 'evil.com:8080', 8080), undefined);
  assert.equal(requestPath('/files/x', undefined, 8080), undefined);
});

test('requestPath: an absolute-form target must name this server as sent, and so must Host', () => {
  assert.equal(requestPath('http://127.0.0.1:8080/files/x', '127.0.0.1:8080', 8080), '/files/x');
  assert.equal(requestPath('HTTP://LOCALHOST:8080', '127.0.0.1:8080', 8080), '/');
  for (const target of [
    'http://evil.com/files/x',
    'http://evil.com:8080/files/x',
    'http://127.0.0.1:8080@evil.com/files/x',
    'http://evil.com@127.0.0.1:8080/files/x',
    'http://2130706433:8080/files/x',
    'https://127.0.0.1:8080/files/x',
    'ftp://127.0.0.1:8080/files/x',
    '*',
  ]) {
    assert.equal(requestPath(target, '127.0.0.1:8080', 8080), undefined, target);
  }
  assert.equal(requestPath('http://127.0.0.1:8080/files/x', 'evil.com', 8080), undefined);
});
