/**
 * The next receive (or change) address to hand out (issue 10). Handing out moves a per-chain index
 * forward, so two payers never get the same address; a sync finds payments only within `gap` addresses
 * after the last used one, so handing out index ≥ lastUsed + gap comes with a warning: at lastUsed + gap
 * it is the last address a scan still watches, past it a payment stays unseen until an earlier one is
 * used or the gap limit is raised (PATCH gapLimit, which re-scans).
 */
import type { ChainName } from './ports.js';

export interface NextUnused {
  chain: ChainName;
  index: number;
  /** null when no address of this chain has been used (as of the last sync) */
  lastUsedIndex: number | null;
  gapLimit: number;
  warning?: { code: 'gap_limit_reached' | 'beyond_gap_limit'; message: string };
}

export function nextUnused(chain: ChainName, used: readonly number[], handout: number, gapLimit: number): NextUnused {
  const lastUsedIndex = used.length ? Math.max(...used) : null;
  const last = lastUsedIndex ?? -1;
  const index = Math.max(last + 1, handout);
  const out: NextUnused = { chain, index, lastUsedIndex, gapLimit };
  const after = lastUsedIndex === null ? 'before any used address' : `after the last used one (${lastUsedIndex})`;
  if (index === last + gapLimit) {
    out.warning = {
      code: 'gap_limit_reached',
      message: `${chain} address ${index} is the last one a scan with gap limit ${gapLimit} watches ${after}; addresses handed out after it will not be found until one of these is used or the gap limit is raised`,
    };
  } else if (index > last + gapLimit) {
    out.warning = {
      code: 'beyond_gap_limit',
      message: `${chain} address ${index} is ${index - last - 1} unused addresses ${after}, beyond the gap limit of ${gapLimit}: a payment to it will not be found until the gap limit is raised to at least ${index - last}`,
    };
  }
  return out;
}
