/** SPEC "Outbound URLs": which webhook URLs are refused, for literals, mapped forms and DNS names. */
import { describe, expect, it } from 'vitest';
import { outboundUrlGuard, refusedAddressReason } from '../../../src/adapters/outbound/url-guard.js';

describe('outbound URL guard', () => {
  it.each([
    '127.0.0.1', '127.9.9.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:a9fe:a9fe', '64:ff9b::10.0.0.1',
  ])('refuses %s', (address) => {
    expect(refusedAddressReason(address)).not.toBeNull();
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(refusedAddressReason(address)).toBeNull();
  });

  const guard = outboundUrlGuard({
    allowPrivate: false,
    resolve: async (host) => ({ 'public.example': ['93.184.215.14'], 'sneaky.example': ['93.184.215.14', '10.0.0.5'], 'v6.example': ['::1'] })[host] ?? [],
  });

  it('accepts public http(s) URLs', async () => {
    await expect(guard.check('https://public.example/hook')).resolves.toBeUndefined();
    await expect(guard.check('http://8.8.8.8:8080/hook')).resolves.toBeUndefined();
  });

  it('refuses other schemes, credentials, and names that resolve to any refused address', async () => {
    await expect(guard.check('ftp://public.example/')).rejects.toThrow(/only http and https/);
    await expect(guard.check('file:///etc/passwd')).rejects.toThrow(/only http and https/);
    await expect(guard.check('https://user:pw@public.example/')).rejects.toThrow(/credentials/);
    await expect(guard.check('https://sneaky.example/')).rejects.toThrow(/resolves to 10\.0\.0\.5/);
    await expect(guard.check('https://v6.example/')).rejects.toThrow(/resolves to ::1/);
    await expect(guard.check('http://[::ffff:169.254.169.254]/')).rejects.toThrow(/reserved/);
    await expect(guard.check('http://2130706433/')).rejects.toThrow(/127\.0\.0\.1/); // decimal form of 127.0.0.1
    await expect(guard.check('not a url')).rejects.toThrow(/not a URL/);
  });

  it('lets private addresses through only with allowPrivate', async () => {
    const open = outboundUrlGuard({ allowPrivate: true });
    await expect(open.check('http://127.0.0.1:9/x')).resolves.toBeUndefined();
    await expect(open.check('gopher://127.0.0.1/')).rejects.toThrow(/only http and https/);
  });
});
