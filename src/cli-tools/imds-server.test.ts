import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { startImdsServer } from './imds-server.ts';

function call(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('IMDS: a session token of the right length but other bytes is refused with 401', async () => {
  const imds = await startImdsServer('http://127.0.0.1:9/unused', 'workload-token');
  try {
    const issued = await call(`${imds.endpoint}latest/api/token`, 'PUT', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
    assert.equal(issued.status, 200);
    const url = `${imds.endpoint}latest/meta-data/iam/security-credentials/`;
    // Same number of characters, but each takes two bytes in UTF-8.
    assert.equal((await call(url, 'GET', { 'x-aws-ec2-metadata-token': 'é'.repeat(issued.body.length) })).status, 401);
    assert.equal((await call(url, 'GET', { 'x-aws-ec2-metadata-token': 'x'.repeat(issued.body.length) })).status, 401);
    assert.equal((await call(url, 'GET', {})).status, 401);
  } finally {
    await imds.close();
  }
});
