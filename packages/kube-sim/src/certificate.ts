import selfsigned from 'selfsigned';

export type ServerCertificate = { cert: string; key: string };

/**
 * A self-signed serving certificate for 127.0.0.1, localhost and ::1 (and the
 * host kube-sim listens on). It is its own CA, so clients trust it through
 * `certificate-authority-data`.
 */
export function generateCertificate(host: string): Promise<ServerCertificate> {
  const altNames: { type: number; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    if (/^[\d.]+$/.test(host) || host.includes(':'))
      altNames.push({ type: 7, ip: host });
    else altNames.push({ type: 2, value: host });
  }
  return new Promise((resolve, reject) => {
    selfsigned.generate(
      [{ name: 'commonName', value: 'kube-sim' }],
      {
        keySize: 2048,
        days: 3650,
        algorithm: 'sha256',
        extensions: [
          { name: 'basicConstraints', cA: true },
          {
            name: 'keyUsage',
            digitalSignature: true,
            keyEncipherment: true,
            keyCertSign: true,
          },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames },
        ],
      } as any,
      (error: Error | undefined, pems: { cert: string; private: string }) => {
        if (error) reject(error);
        else resolve({ cert: pems.cert, key: pems.private });
      },
    );
  });
}
