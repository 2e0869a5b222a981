import type { ReactNode } from 'react';

/** Placeholder body of a page that is planned but not built yet. */
export function ComingSoon({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      <div className="card coming-soon" data-testid="coming-soon">
        <p className="coming-soon-tag">Coming soon</p>
        <p>{children}</p>
      </div>
    </section>
  );
}
