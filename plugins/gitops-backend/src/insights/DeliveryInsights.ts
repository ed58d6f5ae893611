import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import type {
  DeliveryInsights as DeliveryInsightsResponse,
  DeliveryDistribution,
} from '@mooring/plugin-gitops-common';
import type { ApplicationAccess } from '../service/ApplicationAccess';
import { normalizeEntityRef } from '../service/normalizeEntityRef';
import type { GitopsStore } from '../store/GitopsStore';
import type { Distribution } from './types';

const DAY_MS = 86_400_000;
/** The period when none is asked for. */
export const DEFAULT_PERIOD_DAYS = 30;
/** The longest period one request may ask for. */
export const MAX_PERIOD_DAYS = 366;

type Ledger = Pick<
  GitopsStore,
  'deliveryFigures' | 'deploymentEntitiesOfOwner'
>;

/** The query of `GET /insights`, as it arrives. */
export interface InsightsQuery {
  entityRef?: unknown;
  target?: unknown;
  from?: unknown;
  to?: unknown;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function optionalText(query: InsightsQuery, key: keyof InsightsQuery) {
  const value = query[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new InputError(`${key} must be given once, as a string`);
  }
  return value;
}

/**
 * A point in time from an ISO date. A date alone is that day's UTC midnight;
 * for `to` it is the end of that day, so `from=2026-11-01&to=2026-11-30` is
 * the whole of November.
 */
function parseDate(value: string, key: 'from' | 'to'): number {
  const ms = ISO_DATE.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new InputError(
      `${key} '${value}' is not an ISO date; use e.g. 2026-11-01 or 2026-11-01T12:00:00Z`,
    );
  }
  return key === 'to' && DATE_ONLY.test(value) ? ms + DAY_MS : ms;
}

/** The period `[from, to)` of a request, in milliseconds: 30 days to now unless asked otherwise. */
export function parsePeriod(
  query: InsightsQuery,
  now: number,
): { from: number; to: number } {
  const fromText = optionalText(query, 'from');
  const toText = optionalText(query, 'to');
  const to = toText === undefined ? now : parseDate(toText, 'to');
  const from =
    fromText === undefined
      ? to - DEFAULT_PERIOD_DAYS * DAY_MS
      : parseDate(fromText, 'from');
  if (from >= to) {
    throw new InputError(
      `from (${new Date(from).toISOString()}) must be before to (${new Date(
        to,
      ).toISOString()})`,
    );
  }
  if (to - from > MAX_PERIOD_DAYS * DAY_MS) {
    throw new InputError(
      `The period from ${new Date(from).toISOString()} to ${new Date(
        to,
      ).toISOString()} is longer than ${MAX_PERIOD_DAYS} days; ask for a shorter one`,
    );
  }
  return { from, to };
}

function seconds(distribution: Distribution): DeliveryDistribution {
  return {
    count: distribution.count,
    ...(distribution.medianMs !== undefined
      ? { medianSeconds: Math.round(distribution.medianMs / 1000) }
      : {}),
    ...(distribution.p90Ms !== undefined
      ? { p90Seconds: Math.round(distribution.p90Ms / 1000) }
      : {}),
  };
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `GET /insights`: the delivery figures of a component (one target or all),
 * or of a group across the components it owned when they were deployed.
 * The caller must be allowed to read the entity's applications; for a group
 * only the components the caller may read count.
 */
export class DeliveryInsights {
  constructor(
    private readonly options: {
      ledger: Ledger;
      access: Pick<ApplicationAccess, 'readable'>;
      now?: () => number;
    },
  ) {}

  async figures(
    credentials: BackstageCredentials,
    query: InsightsQuery,
  ): Promise<DeliveryInsightsResponse> {
    const { ledger, access } = this.options;
    const entityRef = normalizeEntityRef(query.entityRef);
    const target = optionalText(query, 'target');
    const period = parsePeriod(query, (this.options.now ?? Date.now)());
    const isGroup = parseEntityRef(entityRef).kind === 'group';

    let components: string[];
    if (isGroup) {
      const owned = await ledger.deploymentEntitiesOfOwner(entityRef, period);
      const allowed = await access.readable(credentials, owned);
      components = owned.filter(ref => allowed.has(ref));
    } else {
      const allowed = await access.readable(credentials, [entityRef]);
      if (!allowed.has(entityRef)) {
        throw new NotAllowedError(
          `You may not read the deployments of ${entityRef}: gitops.application.read on it is denied; ask its owners for access`,
        );
      }
      components = [entityRef];
    }

    const figures = await ledger.deliveryFigures({
      entityRefs: components,
      ...(target !== undefined ? { target } : {}),
      ...(isGroup ? { ownerRef: entityRef } : {}),
      ...period,
    });

    const byDay = new Map(figures.days.map(d => [d.day, d]));
    const days: DeliveryInsightsResponse['days'] = [];
    const firstDay = Math.floor(period.from / DAY_MS) * DAY_MS;
    for (let day = firstDay; day < period.to; day += DAY_MS) {
      const found = byDay.get(day);
      const lead = found ? seconds(found.leadTime) : undefined;
      days.push({
        date: dateOf(day),
        deployments: found?.deployments ?? 0,
        failures: found?.failures ?? 0,
        ...(lead?.medianSeconds !== undefined
          ? { leadTimeMedianSeconds: lead.medianSeconds }
          : {}),
      });
    }
    const periodDays = (period.to - period.from) / DAY_MS;
    return {
      entityRef,
      ...(target !== undefined ? { target } : {}),
      from: new Date(period.from).toISOString(),
      to: new Date(period.to).toISOString(),
      components,
      targets: figures.targets,
      deployments: {
        count: figures.deployments,
        perDay: figures.deployments / periodDays,
      },
      leadTime: seconds(figures.leadTime),
      changeFailureRate: {
        failures: figures.failures,
        deployments: figures.deployments,
        ...(figures.deployments > 0
          ? { rate: figures.failures / figures.deployments }
          : {}),
      },
      timeToRestore: seconds(figures.timeToRestore),
      days,
    };
  }
}
