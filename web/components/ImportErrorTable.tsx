/**
 * The refused rows of a notes import, one per line of the file (SPEC "Notes": line, field, code,
 * message): shown under the import preview for the rows read so far and under the import's report.
 */
import type { ReactNode } from 'react';
import type { ImportErrorView } from '../lib/notes.js';

export function ImportErrorTable({ errors, caption, testId }: { errors: ImportErrorView[]; caption: ReactNode; testId?: string }) {
  if (errors.length === 0) return null;
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Field</th>
            <th scope="col">Code</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {errors.map((e, i) => (
            <tr key={`${e.line}-${i}`}>
              <td className="num">{e.line}</td>
              <td>{e.field ?? ''}</td>
              <td>
                <code>{e.code}</code>
              </td>
              <td>{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
