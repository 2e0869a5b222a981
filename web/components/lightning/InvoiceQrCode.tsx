/** A QR code of a BOLT 11 invoice, drawn in the browser (qrcode → data: URL, allowed by the CSP's img-src). */
import { useEffect, useState } from 'react';
import QRCode from 'qrcode';

export function InvoiceQrCode({ bolt11, size = 240 }: { bolt11: string; size?: number }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // BOLT 11 is bech32: upper-cased (with the LIGHTNING: scheme) it fits QR's compact alphanumeric mode.
    QRCode.toDataURL(`LIGHTNING:${bolt11.toUpperCase()}`, { errorCorrectionLevel: 'M', margin: 1, width: size }).then(
      (url) => live && setSrc(url),
      () => live && setSrc(null),
    );
    return () => {
      live = false;
    };
  }, [bolt11, size]);
  if (!src) return <div className="qr-placeholder" style={{ width: size, height: size }} aria-hidden="true" />;
  return <img className="qr" src={src} width={size} height={size} alt="QR code of the Lightning invoice" data-testid="invoice-qr" />;
}
