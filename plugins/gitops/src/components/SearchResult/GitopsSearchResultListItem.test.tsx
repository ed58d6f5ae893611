import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { GitopsSearchResultListItem } from './GitopsSearchResultListItem';

/** A document as the backend's search collator writes it. */
const PROD_DOCUMENT = {
  title: 'payments (prod)',
  text: 'payments (component:default/payments), target prod: cluster prod, namespace payments. Runs a1b2c3d (a1b2c3d4e5f60718293a4b5c6d7e8f9012345678) of main. OutOfSync, Degraded.',
  location: '/catalog/default/component/payments/deployments?target=prod',
  applicationId: 'component~default~payments~prod',
  entityRef: 'component:default/payments',
  target: 'prod',
  cluster: 'prod',
  namespace: 'payments',
  revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  sync: 'OutOfSync',
  health: 'Degraded',
};

describe('GitopsSearchResultListItem', () => {
  it('shows the application, where it runs, its commit and statuses, linked to its Deployments tab', async () => {
    await renderInTestApp(
      <GitopsSearchResultListItem result={PROD_DOCUMENT} />,
    );
    expect(
      screen.getByRole('link', { name: 'payments (prod)' }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/payments/deployments?target=prod',
    );
    expect(
      screen.getByText('Entity: component:default/payments'),
    ).toBeVisible();
    expect(screen.getByText('Runs on: prod / payments')).toBeVisible();
    const sha = screen.getByText('a1b2c3d');
    expect(sha).toHaveAttribute('title', PROD_DOCUMENT.revision);
    expect(screen.getByLabelText('Sync: OutOfSync')).toBeVisible();
    expect(screen.getByLabelText('Health: Degraded')).toBeVisible();
  });

  it('says when the application was never synced', async () => {
    await renderInTestApp(
      <GitopsSearchResultListItem
        result={{
          ...PROD_DOCUMENT,
          title: 'web',
          revision: '',
          sync: 'Unknown',
          health: 'Missing',
        }}
      />,
    );
    expect(screen.getByText('Revision: not synced yet')).toBeVisible();
    expect(screen.getByLabelText('Sync: Unknown')).toBeVisible();
  });

  it('highlights the matched words of the title', async () => {
    await renderInTestApp(
      <GitopsSearchResultListItem
        result={PROD_DOCUMENT}
        highlight={{
          preTag: '<em>',
          postTag: '</em>',
          fields: { title: '<em>payments</em> (prod)' },
        }}
      />,
    );
    expect(screen.getByText('payments').tagName).toBe('MARK');
  });
});
