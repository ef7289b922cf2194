import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCert } from '../../../test/fixtures/self-signed-cert.js';
import type { SelfSignedCert } from '../../../test/fixtures/self-signed-cert.js';
import { silentLogger } from '../../telemetry/logger.js';
import { otlpGrpcExporterConfigSchema } from '../otlp/config.js';
import { createOtlpGrpcExporter } from '../otlp/exporter.js';
import { otlpHttpExporterConfigSchema } from '../otlphttp/config.js';
import { createOtlpHttpExporter } from '../otlphttp/exporter.js';
import { tlsConnectOptions } from './tls.js';

let server: SelfSignedCert;
let other: SelfSignedCert;
let notPem: string;
beforeAll(() => {
  server = makeSelfSignedCert('tokenmeter-tls-');
  other = makeSelfSignedCert('tokenmeter-tls-other-');
  // A secret mounted with the wrong key, or a path to the wrong file: not a certificate, not a key.
  notPem = path.join(server.dir, 'not.pem');
  writeFileSync(notPem, 'this is not a PEM file\n');
});

/** The message of what `make` throws. */
function thrown(make: () => unknown): string | undefined {
  try {
    make();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

describe('tls files, checked when an exporter is built', () => {
  it('takes PEM certificates and a key that goes with its certificate', () => {
    const options = tlsConnectOptions({ ca_file: server.certFile, cert_file: other.certFile, key_file: other.keyFile });
    expect(options.ca?.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('names the key and the path of a file that is not PEM, or a key not of the certificate', () => {
    expect(thrown(() => tlsConnectOptions({ ca_file: notPem }))).toMatch(new RegExp(`^tls\\.ca_file ${notPem}: expected a PEM certificate \\(.+\\)$`));
    expect(thrown(() => tlsConnectOptions({ cert_file: notPem, key_file: server.keyFile }))).toMatch(new RegExp(`^tls\\.cert_file ${notPem}: expected a PEM certificate \\(.+\\)$`));
    expect(thrown(() => tlsConnectOptions({ cert_file: server.certFile, key_file: notPem }))).toMatch(new RegExp(`^tls\\.key_file ${notPem}: expected a PEM private key, not encrypted \\(.+\\)$`));
    expect(thrown(() => tlsConnectOptions({ cert_file: server.certFile, key_file: other.keyFile }))).toMatch(
      new RegExp(`^tls\\.key_file ${other.keyFile}: expected the key of tls\\.cert_file ${server.certFile} \\(.+\\)$`),
    );
  });

  it('stops the otlphttp exporter when it is built and the otlp (gRPC) exporter when it starts', async () => {
    const https = otlpHttpExporterConfigSchema.parse({ endpoint: 'https://127.0.0.1:4318', tls: { ca_file: notPem } });
    expect(thrown(() => createOtlpHttpExporter(https, silentLogger()))).toMatch(/^tls\.ca_file .+: expected a PEM certificate/);
    const grpc = createOtlpGrpcExporter(otlpGrpcExporterConfigSchema.parse({ endpoint: '127.0.0.1:4317', tls: { ca_file: notPem } }), silentLogger());
    await expect(grpc.start()).rejects.toThrow(/^tls\.ca_file .+: expected a PEM certificate/);
    await grpc.shutdown(0);
  });
});

