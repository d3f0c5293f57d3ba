import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createS3ArchiveStorage, signV4 } from './s3-storage.js';

describe('S3 archive storage', () => {
  it('signs requests exactly as AWS documents (SigV4 "GET Object" example)', () => {
    const sut = signV4({
      method: 'GET',
      path: '/test.txt',
      headers: {
        Host: 'examplebucket.s3.amazonaws.com',
        Range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
      },
      payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      region: 'us-east-1',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    expect(sut).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('puts and gets objects path-style with signed headers; a missing object is null', async () => {
    const store = new Map<string, Buffer>();
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(
        `${req.method} ${req.url} ${req.headers.authorization?.slice(0, 16)} ${req.headers['x-amz-content-sha256']?.length}`,
      );
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'PUT') {
          store.set(req.url!, Buffer.concat(chunks));
          res.end();
        } else if (store.has(req.url!)) res.end(store.get(req.url!));
        else {
          res.statusCode = 404;
          res.end('<Error><Code>NoSuchKey</Code></Error>');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const sut = createS3ArchiveStorage({
      endpoint: `http://127.0.0.1:${port}`,
      bucket: 'archives',
      region: 'cn-north-1',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      prefix: 'sanzhang/',
    });
    const key = '11111111-1111-4111-8111-111111111111/22222222-2222-4222-8222-222222222222';
    await sut.put(key, Buffer.from('档案'));
    expect((await sut.get(key))!.toString()).toBe('档案');
    expect(await sut.get(key.replace(/2/g, '3'))).toBeNull();
    expect(seen[0]).toBe(`PUT /archives/sanzhang/${key} AWS4-HMAC-SHA256 64`);
    server.close();
  });
});
