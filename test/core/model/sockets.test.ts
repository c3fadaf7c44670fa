import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acceptingSocket } from '../../../src/core/model/sockets.js';
import { parseSockets } from '../../../src/core/model/sockets-parse.js';
import { cidrContains, parseCidr } from '../../../src/core/engine/match/cidr.js';

describe('listening sockets', () => {
  it('reads /proc/net/tcp (little-endian hex) and keeps only LISTEN', () => {
    const r = parseSockets(
      [
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
        '   0: 0A08600A:0F30 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1',
        '   1: 00000000:0885 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1',
        '   2: 0A08600A:0885 0A07600A:A0B2 01 00000000:00000000 00:00000000 00000000  1000        0 3 1',
      ].join('\n'),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.sockets, [
      { ip: '10.96.8.10', port: 3888, family: 4 },
      { ip: '0.0.0.0', port: 2181, family: 4 },
    ]);
  });

  it('reads /proc/net/tcp6, including v4-mapped and :: addresses', () => {
    const r = parseSockets(
      [
        '  sl  local_address                         remote_address                        st',
        '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1',
        '   1: 0000000000000000FFFF00000A08600A:0B60 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 2 1',
      ].join('\n'),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.sockets, [
      { ip: '::', port: 8080, family: 6 },
      { ip: '10.96.8.10', port: 2912, family: 6 },
    ]);
  });

  it('reads ss -ltn and netstat -ltnp', () => {
    const ss = parseSockets(
      'State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0      50     10.96.7.7:3888     0.0.0.0:*\nLISTEN 0 128 [::]:8080 [::]:*\nLISTEN 0 128 *:9080 *:*\n',
    );
    assert.ok(ss.ok);
    assert.deepEqual(
      ss.sockets.map((s) => `${s.ip}:${s.port}`),
      ['10.96.7.7:3888', ':::8080', '0.0.0.0:9080'],
    );
    const ns = parseSockets(
      'Proto Recv-Q Send-Q Local Address Foreign Address State PID/Program name\ntcp 0 0 0.0.0.0:2181 0.0.0.0:* LISTEN 1/java\ntcp6 0 0 :::8080 :::* LISTEN 1/java\ntcp 0 0 10.0.0.1:40000 10.0.0.2:80 ESTABLISHED 1/java\n',
    );
    assert.ok(ns.ok);
    assert.deepEqual(
      ns.sockets.map((s) => `${s.ip}:${s.port}`),
      ['0.0.0.0:2181', ':::8080'],
    );
  });

  it('names the line it cannot read', () => {
    const r = parseSockets('LISTEN 0 128 0.0.0.0:80 0.0.0.0:*\nthis is not a socket\n');
    assert.deepEqual(r, {
      ok: false,
      line: 2,
      message: 'not a /proc/net/tcp, ss or netstat line: "this is not a socket"',
    });
  });

  it('wildcards accept every local address; a specific bind accepts only itself', () => {
    const socks = [
      { ip: '10.0.0.5', port: 3888, family: 4 as const },
      { ip: '0.0.0.0', port: 2181, family: 4 as const },
      { ip: '::', port: 8080, family: 6 as const },
    ];
    assert.equal(acceptingSocket(socks, '127.0.0.1', 3888), undefined);
    assert.equal(acceptingSocket(socks, '10.0.0.5', 3888)?.ip, '10.0.0.5');
    assert.equal(acceptingSocket(socks, '127.0.0.1', 2181)?.ip, '0.0.0.0');
    assert.equal(acceptingSocket(socks, '10.0.0.5', 8080)?.ip, '::');
  });
});

describe('CIDR', () => {
  it('contains, v4 and v6, and rejects nonsense', () => {
    assert.ok(cidrContains(parseCidr('10.96.0.0/12')!, '10.100.1.113'));
    assert.ok(!cidrContains(parseCidr('10.96.0.0/12')!, '10.112.0.1'));
    assert.ok(cidrContains(parseCidr('fd00::/8')!, 'fd12:3456::1'));
    assert.ok(cidrContains(parseCidr('0.0.0.0/0')!, '8.8.8.8'));
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('nope'), undefined);
  });
});
