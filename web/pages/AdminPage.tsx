import { ComingSoon } from '../components/ComingSoon.js';

export function AdminPage() {
  return <ComingSoon title="Admin">Create many users at once from a CSV file, with a report per row.</ComingSoon>;
}
