import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { DeliveryCard } from './DeliveryCard';

/**
 * The Delivery card of the current entity: for a group, across every
 * component it owns.
 * @public
 */
export function EntityDeliveryCard() {
  const { entity } = useEntity();
  return <DeliveryCard entityRef={stringifyEntityRef(entity)} />;
}
