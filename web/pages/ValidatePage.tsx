/**
 * Try any validator in the browser: one value, or many (one per line). Same library as the server
 * (src/validation), so results appear as the user types and nothing is sent anywhere.
 */
import { useDeferredValue, useId, useMemo, useRef, useState } from 'react';
import { NETWORKS, VALIDATION_TYPES, type Network, type ValidateOptions, type ValidationType } from '../../src/validation/types.js';
import { ValidationOutcome } from '../components/ValidationOutcome.js';
import {
  cachedClientValidate,
  describeIssue,
  formatDetails,
  toValidationInput,
  trimForValidation,
  validateLines,
  type LinesMemo,
} from '../lib/formUtils.js';

const TYPE_LABELS: Record<ValidationType, string> = {
  address: 'Bitcoin address',
  xpub: 'Extended public key (xpub, zpub, tpub…)',
  descriptor: 'Output descriptor',
  txid: 'Transaction id',
  username: 'Username',
  password: 'Password',
  amount: 'Amount (sats)',
  bolt11: 'Lightning invoice (BOLT11)',
};

const PLACEHOLDERS: Record<ValidationType, string> = {
  address: 'bc1q…, 3…, 1…, tb1…',
  xpub: 'xpub6…, zpub6…, tpubD…',
  descriptor: 'wpkh([fingerprint/84h/0h/0h]xpub…/0/*)#checksum',
  txid: '64 hex characters',
  username: '3–32 characters: a–z 0–9 _ . -',
  password: '12–128 characters',
  amount: 'a whole number of sats, e.g. 50000',
  bolt11: 'lnbc…',
};

/** Details that read well without their label in the compact rows ("mainnet", "p2wpkh"). */
const CHIP_BARE = new Set(['network', 'scriptType']);

/** Rendering thousands of rows makes typing sluggish; counts still cover every line. */
const MAX_ROWS_SHOWN = 1000;

function isValidationType(value: string): value is ValidationType {
  return (VALIDATION_TYPES as readonly string[]).includes(value);
}

function isNetwork(value: string): value is Network {
  return (NETWORKS as readonly string[]).includes(value);
}

export function ValidatePage() {
  const id = useId();
  const [type, setType] = useState<ValidationType>('address');
  const [network, setNetwork] = useState<Network | ''>('');
  const [single, setSingle] = useState('');
  const [many, setMany] = useState('');
  const deferredMany = useDeferredValue(many);
  const memo = useRef<LinesMemo | undefined>(undefined);

  const options: ValidateOptions | undefined = network ? { network } : undefined;
  const singleText = trimForValidation(single);
  const singleResult = singleText ? cachedClientValidate(type, toValidationInput(type, singleText), options) : undefined;

  const report = useMemo(() => {
    const next = validateLines(type, deferredMany, network ? { network } : undefined, memo.current);
    memo.current = next.memo;
    return next;
  }, [type, network, deferredMany]);

  const secret = type === 'password';

  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Validate</h1>
      <p className="lede">
        Check addresses, keys, descriptors, invoices and more. Checks run in your browser with the same rules as the
        server; nothing you type here is sent anywhere.
      </p>

      <div className="card controls">
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          <select
            id={`${id}-type`}
            data-testid="validate-type"
            value={type}
            onChange={(e) => isValidationType(e.target.value) && setType(e.target.value)}
          >
            {VALIDATION_TYPES.map((t) => (
              <option key={t} value={t}>
                {TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-network`}>Network</label>
          <select
            id={`${id}-network`}
            data-testid="validate-network"
            value={network}
            onChange={(e) => setNetwork(isNetwork(e.target.value) ? e.target.value : '')}
          >
            <option value="">Any network</option>
            {NETWORKS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </div>

      <div className="card">
        <h2>One value</h2>
        <div className="field">
          <label htmlFor={`${id}-single`}>{TYPE_LABELS[type]}</label>
          <input
            id={`${id}-single`}
            data-testid="validate-input"
            type={secret ? 'password' : 'text'}
            inputMode={type === 'amount' ? 'numeric' : undefined}
            autoComplete="off"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            placeholder={PLACEHOLDERS[type]}
            value={single}
            onChange={(e) => setSingle(e.target.value)}
            aria-describedby={`${id}-single-result`}
          />
        </div>
        <div
          id={`${id}-single-result`}
          className="single-result"
          data-testid="validate-result"
          data-valid={singleResult ? String(singleResult.valid) : undefined}
          aria-live="polite"
        >
          {singleResult ? (
            <ValidationOutcome result={singleResult} />
          ) : (
            <p className="muted">Type or paste a value: the result shows as you type.</p>
          )}
        </div>
      </div>

      <div className="card">
        <h2>Many values</h2>
        <div className="field">
          <label htmlFor={`${id}-many`}>One value per line</label>
          <textarea
            id={`${id}-many`}
            data-testid="validate-many"
            rows={6}
            autoComplete="off"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            placeholder={`${PLACEHOLDERS[type]}\n…`}
            value={many}
            onChange={(e) => setMany(e.target.value)}
          />
        </div>
        <p className="summary" data-testid="validate-summary" aria-live="polite">
          <span className="count-valid">{report.valid} valid</span>
          {' / '}
          <span className="count-invalid">{report.invalid} invalid</span>
          {report.rows.length > MAX_ROWS_SHOWN ? (
            <span className="muted"> — showing the first {MAX_ROWS_SHOWN.toLocaleString()} lines</span>
          ) : null}
        </p>
        {report.rows.length ? (
          <div className="table-wrap">
            <table className="results">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Value</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {report.rows.slice(0, MAX_ROWS_SHOWN).map((row) => (
                  <tr key={row.line} data-testid="result-row" data-valid={String(row.result.valid)}>
                    <td className="line-no">{row.line}</td>
                    <td className="value">
                      <code>{secret ? '•'.repeat(Math.min(row.value.length, 16)) : row.value}</code>
                    </td>
                    <td>
                      {row.result.valid ? (
                        <span className="verdict-valid">
                          ✓ valid
                          {formatDetails(row.result.details).map((d) => (
                            <span key={d.key} className="chip" title={d.label}>
                              {CHIP_BARE.has(d.key) ? d.value : `${d.label}: ${d.value}`}
                            </span>
                          ))}
                        </span>
                      ) : (
                        <span className="verdict-invalid">
                          ✗ {describeIssue(row.result.errors?.[0] ?? { code: 'invalid', message: 'Invalid value' })}{' '}
                          <code className="issue-code">{row.result.errors?.[0]?.code ?? 'invalid'}</code>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </section>
  );
}
