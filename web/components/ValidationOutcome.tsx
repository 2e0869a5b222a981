import type { ValidationResult } from '../../src/validation/types.js';
import { describeIssue, formatDetails } from '../lib/formUtils.js';

function DetailList({ details }: { details: ValidationResult['details'] }) {
  const entries = formatDetails(details);
  if (!entries.length) return null;
  return (
    <dl className="details">
      {entries.map((d) => (
        <div key={d.key} data-detail={d.key}>
          <dt>{d.label}</dt>
          <dd>{d.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** ✓ with the facts found, or ✗ with the reasons (message and stable code) of one validation result. */
export function ValidationOutcome({ result }: { result: ValidationResult }) {
  if (result.valid) {
    return (
      <div className="outcome outcome-valid">
        <p className="outcome-verdict">
          <span aria-hidden="true">✓ </span>Valid
        </p>
        <DetailList details={result.details} />
        {result.normalized !== undefined ? (
          <p className="normalized">
            Normalized: <code>{result.normalized}</code>
          </p>
        ) : null}
      </div>
    );
  }
  const issues = result.errors?.length ? result.errors : [{ code: 'invalid', message: 'Invalid value' }];
  return (
    <div className="outcome outcome-invalid">
      <p className="outcome-verdict">
        <span aria-hidden="true">✗ </span>Invalid
      </p>
      <ul className="issues">
        {issues.map((issue, i) => (
          <li key={`${issue.code}-${i}`}>
            {describeIssue(issue)} <code className="issue-code">{issue.code}</code>
          </li>
        ))}
      </ul>
      <DetailList details={result.details} />
    </div>
  );
}
