import { Link } from '../lib/router.js';

export function NotFoundPage() {
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/validate">Go to Validate</Link>.
      </p>
    </section>
  );
}
