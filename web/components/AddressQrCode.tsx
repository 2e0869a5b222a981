/** A QR code of a Bitcoin address as a BIP-21 URI, drawn in the browser (qrcode → data: URL, allowed by the CSP). */
import { useEffect, useState } from 'react';
import QRCode from 'qrcode';

export function AddressQrCode({ address, size = 180 }: { address: string; size?: number }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // BIP-21; bech32 addresses upper-cased fit QR's alphanumeric mode (a smaller code).
    const uri = /^(bc|tb|bcrt)1/i.test(address) ? `BITCOIN:${address.toUpperCase()}` : `bitcoin:${address}`;
    QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: size }).then(
      (url) => live && setSrc(url),
      () => live && setSrc(null),
    );
    return () => {
      live = false;
    };
  }, [address, size]);
  if (!src) return <div className="qr-placeholder" style={{ width: size, height: size }} aria-hidden="true" />;
  return <img className="qr" src={src} width={size} height={size} alt={`QR code of ${address}`} data-testid="address-qr" />;
}
