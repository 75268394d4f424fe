/**
 * The run's paging mode (product.md §9), decided once per client: from connect.paging, or
 * for `auto` from the instance's WSDL, read at most once. A filter whose keyset pages show
 * the paging parameters ignored is read whole for the rest of the run.
 */
import type { Logger } from '../../log.js';
import { planPaging, type Capabilities, type PagingMode, type PagingPlan, type PagingSetting } from './capabilities.js';

export interface PagingChoice {
  /** The mode every filter starts with, and why. */
  plan(): Promise<PagingPlan>;
  /** The WSDL as read (read now if it was not). */
  capabilities(): Promise<Capabilities>;
  modeFor(filterId: number): Promise<PagingMode>;
  /** The filter showed the paging parameters ignored: whole for the rest of the run. */
  switchToWhole(filterId: number): void;
}

/** Creates the choice; `readCapabilities` is called at most once, and only when needed. */
export function createPagingChoice(setting: PagingSetting, readCapabilities: () => Promise<Capabilities>, logger: Logger): PagingChoice {
  let read: Promise<Capabilities> | undefined;
  let planned: Promise<PagingPlan> | undefined;
  const switched = new Set<number>();

  function capabilities(): Promise<Capabilities> {
    return (read ??= readCapabilities());
  }

  function plan(): Promise<PagingPlan> {
    planned ??= (setting === 'auto' ? capabilities() : Promise.resolve(undefined)).then((found) => {
      const chosen = planPaging(setting, found);
      if (chosen.warn) logger.warn({ paging: chosen.mode, why: chosen.why }, 'Connect paging not confirmed by the WSDL; keyset with a guard');
      else logger.debug({ paging: chosen.mode, why: chosen.why }, 'Connect paging chosen');
      return chosen;
    });
    return planned;
  }

  return {
    plan,
    capabilities,
    async modeFor(filterId) {
      if (switched.has(filterId)) return 'whole';
      return (await plan()).mode;
    },
    switchToWhole(filterId) {
      switched.add(filterId);
    },
  };
}
