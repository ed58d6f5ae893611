import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DeliveryInsights } from '@mooring/plugin-gitops-common';
import { FakeGitopsApi } from '../../__testUtils__/FakeGitopsApi';
import { renderGitops } from '../../__testUtils__/renderGitops';
import { DeliveryCard } from './DeliveryCard';
import { EntityDeliveryCard } from './EntityDeliveryCard';
import { formatDuration, formatFrequency } from './formatDelivery';

jest.setTimeout(60_000);

const PAYMENTS = 'component:default/payments';

function insights(overrides: Partial<DeliveryInsights> = {}): DeliveryInsights {
  return {
    entityRef: PAYMENTS,
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-11-04T00:00:00.000Z',
    components: [PAYMENTS],
    targets: ['prod', 'staging'],
    deployments: { count: 6, perDay: 2 },
    leadTime: { count: 4, medianSeconds: 1500, p90Seconds: 2400 },
    changeFailureRate: { failures: 2, deployments: 6, rate: 1 / 3 },
    timeToRestore: { count: 2, medianSeconds: 2400, p90Seconds: 4500 },
    days: [
      {
        date: '2026-11-01',
        deployments: 2,
        failures: 0,
        leadTimeMedianSeconds: 900,
      },
      {
        date: '2026-11-02',
        deployments: 2,
        failures: 1,
        leadTimeMedianSeconds: 1800,
      },
      {
        date: '2026-11-03',
        deployments: 2,
        failures: 1,
        leadTimeMedianSeconds: 2400,
      },
    ],
    ...overrides,
  };
}

const figure = (label: string) => screen.getByRole('group', { name: label });

describe('DeliveryCard', () => {
  it('shows the four figures in words and units, and draws deployments per day with failures stacked', async () => {
    const api = new FakeGitopsApi([]);
    api.insights[PAYMENTS] = insights();
    await renderGitops(
      <DeliveryCard entityRef={PAYMENTS} targets={['prod', 'staging']} />,
      { api },
    );

    await screen.findByRole('group', { name: 'Deployments' });
    expect(figure('Deployments')).toHaveTextContent('6');
    expect(figure('Deployments')).toHaveTextContent('2 per day');
    expect(figure('Lead time for changes')).toHaveTextContent('25 min');
    expect(figure('Lead time for changes')).toHaveTextContent(
      '90% within 40 min',
    );
    expect(figure('Change failure rate')).toHaveTextContent('33%');
    expect(figure('Change failure rate')).toHaveTextContent(
      '2 of 6 deployments failed, ended Degraded or were rolled back',
    );
    expect(figure('Time to restore')).toHaveTextContent('40 min');
    expect(figure('Time to restore')).toHaveTextContent('over 2 restores');

    const bars = screen.getByTestId('delivery-deployments-chart');
    expect(bars).toHaveAccessibleName(
      'Deployments per day: 6 over 3 days, 2 failed',
    );
    // Three days of succeeded bars, two days with a failed bar on top.
    await waitFor(() =>
      expect(
        bars.querySelectorAll('.recharts-bar-rectangle path'),
      ).toHaveLength(5),
    );
    expect(
      bars.querySelectorAll('path[name="Failed, Degraded or rolled back"]'),
    ).toHaveLength(2);
    expect(within(bars).getByText('Nov 2')).toBeInTheDocument();
    expect(
      screen.getByText('Lead time for changes (median, minutes)'),
    ).toBeInTheDocument();

    const [call] = api.callsTo('getInsights');
    expect(call.args[0]).toEqual({
      entityRef: PAYMENTS,
      from: expect.any(String),
    });
    // The last 30 days by default.
    const from = Date.parse((call.args[0] as { from: string }).from);
    expect(Math.round((Date.now() - from) / 86_400_000)).toBe(30);
  });

  it('asks again for another period and for one target', async () => {
    const api = new FakeGitopsApi([]);
    api.insights[PAYMENTS] = insights();
    api.insights[`${PAYMENTS}|prod`] = insights({
      target: 'prod',
      deployments: { count: 1, perDay: 1 / 7 },
      changeFailureRate: { failures: 0, deployments: 1, rate: 0 },
    });
    await renderGitops(
      <DeliveryCard entityRef={PAYMENTS} targets={['prod', 'staging']} />,
      { api },
    );
    await screen.findByRole('group', { name: 'Deployments' });

    await userEvent.click(screen.getByRole('button', { name: 'Last 7 days' }));
    await waitFor(() => expect(api.callsTo('getInsights')).toHaveLength(2));
    const from = Date.parse(
      (api.callsTo('getInsights')[1].args[0] as { from: string }).from,
    );
    expect(Math.round((Date.now() - from) / 86_400_000)).toBe(7);

    await userEvent.click(screen.getByRole('button', { name: /Target/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'prod' }));
    await waitFor(() =>
      expect(figure('Deployments')).toHaveTextContent('1 per week'),
    );
    expect(api.callsTo('getInsights').at(-1)?.args[0]).toMatchObject({
      entityRef: PAYMENTS,
      target: 'prod',
    });
    expect(figure('Change failure rate')).toHaveTextContent('0%');
  });

  it('says so when there is no history', async () => {
    const api = new FakeGitopsApi([]);
    await renderGitops(<DeliveryCard entityRef={PAYMENTS} />, { api });
    expect(
      await screen.findByText('No deployments in the last 30 days'),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('delivery-deployments-chart')).toBeNull();
    // One target: nothing to choose.
    expect(screen.queryByRole('button', { name: /Target/ })).toBeNull();
  });

  it('explains a failed request and retries it', async () => {
    const api = new FakeGitopsApi([]);
    const real = api.getInsights.bind(api);
    let fail = true;
    api.getInsights = async query => {
      if (fail) throw new Error('The backend is restarting');
      return real(query);
    };
    api.insights[PAYMENTS] = insights();
    await renderGitops(<DeliveryCard entityRef={PAYMENTS} />, { api });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The backend is restarting');
    fail = false;
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('group', { name: 'Deployments' }),
    ).toHaveTextContent('6');
  });

  it("on a group's page, counts every component the group owns", async () => {
    const team = 'group:default/team-a';
    const api = new FakeGitopsApi([]);
    api.insights[team] = insights({
      entityRef: team,
      components: ['component:default/billing', PAYMENTS],
    });
    await renderGitops(<EntityDeliveryCard />, {
      api,
      entity: {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: { name: 'team-a', namespace: 'default' },
        spec: { type: 'team', children: [] },
      },
    });
    await screen.findByRole('group', { name: 'Deployments' });
    expect(
      screen.getByText('Across 2 components: billing, payments'),
    ).toBeInTheDocument();
    expect(api.callsTo('getInsights')[0].args[0]).toMatchObject({
      entityRef: team,
    });
  });
});

describe('delivery formats', () => {
  it.each([
    [42, '42 s'],
    [1500, '25 min'],
    [3 * 3600, '3 h'],
    [5400 + 1800, '2 h'],
    [4 * 3600 + 1800, '4.5 h'],
    [330 * 86_400, '330 days'],
  ])('%p seconds read %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([
    [0, 'none'],
    [2, '2 per day'],
    [1 / 7, '1 per week'],
    [0.5, '3.5 per week'],
  ])('%p deployments a day read %p', (perDay, text) => {
    expect(formatFrequency(perDay)).toBe(text);
  });
});
